package dev.facteur.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/** Facteur-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>." + body)> (docs/events.md). */
class SignatureTest {

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void matchesPythonsHmacModule() {
        // python3 -c 'import hmac,hashlib; print(hmac.new(b"facteur-test-secret-0123",
        //     b"1764324000." + b"[{\"id\":\"0193\"}]", hashlib.sha256).hexdigest())'
        assertThat(Signature.header("facteur-test-secret-0123", 1764324000L, utf8("[{\"id\":\"0193\"}]")))
                .isEqualTo("t=1764324000,v1=a4f3ed666f2075f768421657a105ffe588e506c3d02d4791ba07ebc684a3522a");
        // a non-ASCII secret is keyed by its UTF-8 bytes, the body signed as sent (UTF-8)
        assertThat(Signature.header("clé-secrète-partagée-ü", 1764324000L, utf8("[{\"recipient\":\"jös@exämple.org\"}]")))
                .isEqualTo("t=1764324000,v1=2846ac4f258426fbeb1bb007077a261c77e5e2d6a2c41aee8c7a5c8044fd4cf7");
    }

    @Test
    void aReceiverVerifiesItWithTheJdksMac() throws Exception { // the receiver side, as docs/events.md has it in Python
        byte[] body = utf8("[{\"id\":\"0193b1b0-4a2e-7c3d-8e4f-5a6b7c8d9e0f\",\"type\":\"delivered\"}]");
        String header = Signature.header("facteur-test-secret-0123", 1764324000L, body);

        String t = header.substring(2, header.indexOf(','));
        String v1 = header.substring(header.indexOf("v1=") + 3);
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(utf8("facteur-test-secret-0123"), "HmacSHA256"));
        mac.update(utf8(t + "."));
        assertThat(HexFormat.of().formatHex(mac.doFinal(body))).isEqualTo(v1);
    }

    @Test
    void theTimestampAndEveryByteOfTheBodyAreSigned() {
        byte[] body = utf8("[{\"id\":\"1\"}]");
        String header = Signature.header("facteur-test-secret-0123", 1764324000L, body);

        assertThat(Signature.header("facteur-test-secret-0123", 1764324001L, body)).isNotEqualTo(header);
        assertThat(Signature.header("facteur-test-secret-0123", 1764324000L, utf8("[{\"id\":\"2\"}]")).substring(14))
                .isNotEqualTo(header.substring(14));
        assertThat(Signature.header("facteur-test-secret-0124", 1764324000L, body)).isNotEqualTo(header);
    }
}
