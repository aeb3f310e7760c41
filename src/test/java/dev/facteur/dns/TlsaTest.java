package dev.facteur.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.facteur.testing.TestResources;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** TLSA records (RFC 6698 §2): their presentation form, and the record we publish for our own certificate. */
class TlsaTest {

    /** mx.example.test.pem, and its SPKI's SHA-256 as OpenSSL computes it (see the file). */
    private static final String SPKI_SHA256 = "6e951bc449fd2a4693f8542f1a9a350435684e18a20085184e71fd8232740634";

    @Test
    void readsThePresentationFormOfRfc6698Section2_2() {
        Tlsa t = Tlsa.parse("3 1 1 " + SPKI_SHA256.toUpperCase());
        assertThat(t.usage()).isEqualTo(Tlsa.DANE_EE);
        assertThat(t.selector()).isEqualTo(Tlsa.SPKI);
        assertThat(t.matchingType()).isEqualTo(Tlsa.SHA2_256);
        assertThat(t.data()).isEqualTo(HexFormat.of().parseHex(SPKI_SHA256));
        assertThat(t).hasToString("3 1 1 " + SPKI_SHA256);
        assertThat(t.mnemonic()).isEqualTo("DANE-EE(3) SPKI(1) SHA2-256(1)");
    }

    @Test
    void theDataMayBeSplitByWhitespaceAsZoneFilesSplitLongRecords() {
        assertThat(Tlsa.parse("  2 0 1 " + SPKI_SHA256.substring(0, 32) + "\n\t" + SPKI_SHA256.substring(32) + " "))
                .isEqualTo(Tlsa.parse("2 0 1 " + SPKI_SHA256));
    }

    @Test
    void unknownValuesAreKeptForTheClientToJudge() { // RFC 7672 §3.1: usability is the client's decision
        assertThat(Tlsa.parse("7 9 200 00").mnemonic()).isEqualTo("unknown(7) unknown(9) unknown(200)");
    }

    @Test
    void whatIsNotATlsaRecordIsRefused() {
        assertThatThrownBy(() -> Tlsa.parse("3 1 1")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Tlsa.parse("3 1 x 00")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Tlsa.parse("3 1 1 0g")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Tlsa.parse("256 1 1 00")).hasMessageContaining("one octet");
    }

    @Test
    void recordsAreEqualByValueAndKeepTheirDataToThemselves() {
        byte[] data = HexFormat.of().parseHex(SPKI_SHA256);
        Tlsa t = new Tlsa(3, 1, 1, data);
        data[0] = 0;
        t.data()[1] = 0;
        assertThat(t).isEqualTo(Tlsa.parse("3 1 1 " + SPKI_SHA256)).hasSameHashCodeAs(Tlsa.parse("3 1 1 " + SPKI_SHA256));
        assertThat(t).isNotEqualTo(Tlsa.parse("3 1 2 " + SPKI_SHA256));
    }

    @Test
    void theRecordForOurOwnCertificateIs311AsOpenSslComputesIt() throws Exception { // RFC 7671 §5.1
        assertThat(Tlsa.forCertificate(vector())).hasToString("3 1 1 " + SPKI_SHA256);
    }

    private static X509Certificate vector() throws Exception {
        String pem = TestResources.text(TlsaTest.class, "mx.example.test.pem");
        pem = pem.substring(pem.indexOf("-----BEGIN"));
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
    }
}
