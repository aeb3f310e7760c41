package dev.facteur.tls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.testing.TestCertificates;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.Test;

class CertificateIdentityTest {

    @Test
    void aWildcardNamesOneWholeLabel() { // RFC 6125 §6.4.3
        assertThat(CertificateIdentity.covers(List.of("*.example.org"), "mx.example.org")).isTrue();
        assertThat(CertificateIdentity.covers(List.of("*.example.org"), "a.mx.example.org")).isFalse();
        assertThat(CertificateIdentity.covers(List.of("*.example.org"), "example.org")).isFalse();
        assertThat(CertificateIdentity.covers(List.of("mx.example.org"), "MX.Example.org")).isTrue();
        assertThat(CertificateIdentity.covers(List.of("mx.example.org"), "mx.example.org.evil.test")).isFalse();
    }

    @Test
    void theNamesAreTheSubjectAltNamesInLowerCase() throws Exception {
        Instant now = Instant.now();
        var pair = TestCertificates.selfSigned(List.of("MX.Example.org", "*.example.net"), now.minus(1, ChronoUnit.DAYS),
                now.plus(1, ChronoUnit.DAYS));
        assertThat(CertificateIdentity.names(pair.certificate())).containsExactly("mx.example.org", "*.example.net");
    }

    @Test
    void aKeyBelongsToItsOwnCertificateOnly() throws Exception {
        Instant now = Instant.now();
        var mine = TestCertificates.selfSigned(List.of("mx.example.org"), now.minus(1, ChronoUnit.DAYS), now.plus(1, ChronoUnit.DAYS));
        var other = TestCertificates.selfSigned(List.of("mx.example.org"), now.minus(1, ChronoUnit.DAYS), now.plus(1, ChronoUnit.DAYS));
        assertThat(CertificateIdentity.belongTogether(mine.certificate().getPublicKey(), mine.keys().getPrivate())).isTrue();
        assertThat(CertificateIdentity.belongTogether(mine.certificate().getPublicKey(), other.keys().getPrivate())).isFalse();
    }

    @Test
    void anEcKeyOnAnotherCurveDoesNotBelong() throws Exception {
        var ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(new ECGenParameterSpec("secp256r1"));
        var p256 = ec.generateKeyPair();
        ec.initialize(new ECGenParameterSpec("secp384r1"));
        var p384 = ec.generateKeyPair();
        assertThat(CertificateIdentity.belongTogether(p256.getPublic(), p384.getPrivate())).isFalse();
        assertThat(CertificateIdentity.belongTogether(p256.getPublic(), p256.getPrivate())).isTrue();
    }
}
