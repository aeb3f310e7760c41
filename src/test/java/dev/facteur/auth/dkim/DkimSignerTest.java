package dev.facteur.auth.dkim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.message.HeaderSection;
import dev.facteur.tls.PemTls;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.EdECPrivateKeySpec;
import java.security.spec.NamedParameterSpec;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The signer against RFC 8463 Appendix A.3: signing the example message with the RFC's keys and
 * the RFC's tags gives its bh= and its b= byte for byte (RSA PKCS#1 v1.5 and Ed25519 are
 * deterministic). Data copied from ../shared/conformance/dkim/rfc into rfc/ (licence: rfc/LICENSE-IETF).
 */
class DkimSignerTest {

    private static Path resource(String name) throws URISyntaxException {
        return Path.of(DkimSignerTest.class.getResource(name).toURI());
    }

    private static String message() throws Exception {
        try (InputStream in = DkimSignerTest.class.getResourceAsStream("rfc/rfc8463-A3.eml")) {
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    private static PrivateKey ed25519() throws Exception {
        byte[] seed = Base64.getDecoder().decode(java.nio.file.Files.readString(resource("rfc/rfc8463-A1-ed25519-private-seed.b64")).strip());
        return KeyFactory.getInstance("Ed25519").generatePrivate(new EdECPrivateKeySpec(NamedParameterSpec.ED25519, seed));
    }

    private static String tag(String field, String name) {
        Matcher m = Pattern.compile("(?:^|;)\\s*" + name + "=([^;]*)").matcher(field.substring(field.indexOf(':') + 1));
        return m.find() ? m.group(1).replaceAll("\\s+", "") : null;
    }

    @Test
    void theRfc8463ExampleSignaturesComeOutByteForByte() throws Exception {
        String text = message();
        int end = text.indexOf("\r\n\r\n");
        List<String> fields = HeaderSection.fields(text.substring(0, end + 2));
        byte[] body = text.substring(end + 4).getBytes(StandardCharsets.ISO_8859_1);
        var keys = List.of(new DkimSigner.Key("ed25519-sha256", ed25519()),
                new DkimSigner.Key("rsa-sha256", PemTls.readKey(resource("rfc/rfc8463-A1-rsa-private-key.pem"))));
        List<String> signatures = fields.stream().filter(f -> f.startsWith("DKIM-Signature:")).toList();
        assertThat(signatures).hasSize(2);
        for (int i = 0; i < 2; i++) {
            String field = signatures.get(i);
            BodyHash bh = new BodyHash(Canonicalization.RELAXED, "SHA-256");
            bh.write(body);
            assertThat(Base64.getEncoder().encodeToString(bh.digest())).isEqualTo(tag(field, "bh"));
            String template = field.substring(0, field.indexOf("b=", field.indexOf("bh=") + 3) + 2); // up to the empty b=
            List<String> names = List.of(tag(field, "h").split(":"));
            String b = DkimSigner.sign(fields.stream().filter(f -> !f.startsWith("DKIM-Signature:")).toList(), names,
                    Canonicalization.RELAXED, template, keys.get(i));
            assertThat(b).as(keys.get(i).algorithm()).isEqualTo(tag(field, "b"));
        }
    }

    @Test
    void bodyCanonicalizationFollowsTheRfc() { // RFC 6376 §3.4.5's example body
        String body = " C \r\nD \t E\r\n\r\n\r\n";
        assertThat(hash(Canonicalization.RELAXED, body)).isEqualTo(hash(Canonicalization.SIMPLE, " C\r\nD E\r\n"));
        assertThat(hash(Canonicalization.SIMPLE, body)).isEqualTo(hash(Canonicalization.SIMPLE, " C \r\nD \t E\r\n"));
        assertThat(hash(Canonicalization.SIMPLE, "")).as("an empty body is one CRLF").isEqualTo(hash(Canonicalization.SIMPLE, "\r\n"));
        assertThat(hash(Canonicalization.RELAXED, "")).as("and nothing, relaxed").isEqualTo(hash(Canonicalization.RELAXED, "\r\n\r\n"));
        assertThat(hash(Canonicalization.SIMPLE, "no final line end")).isEqualTo(hash(Canonicalization.SIMPLE, "no final line end\r\n"));
    }

    @Test
    void headerCanonicalizationFollowsTheRfc() { // RFC 6376 §3.4.5's example header
        assertThat(Canonicalization.RELAXED.header("A: X\r\n")).isEqualTo("a:X\r\n");
        assertThat(Canonicalization.RELAXED.header("B : Y\t\r\n\tZ  \r\n")).isEqualTo("b:Y Z\r\n");
        assertThat(Canonicalization.SIMPLE.header("B : Y\t\r\n\tZ  \r\n")).isEqualTo("B : Y\t\r\n\tZ  \r\n");
    }

    private static String hash(Canonicalization c, String body) {
        BodyHash h = new BodyHash(c, "SHA-256");
        h.write(body.getBytes(StandardCharsets.ISO_8859_1), 0, body.length());
        return Base64.getEncoder().encodeToString(h.digest());
    }
}
