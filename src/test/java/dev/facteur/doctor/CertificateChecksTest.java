package dev.facteur.doctor;

import static dev.facteur.doctor.World.DOMAIN;
import static dev.facteur.doctor.World.HOST;
import static dev.facteur.doctor.World.lines;
import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.config.Config;
import dev.facteur.dns.Mx;
import dev.facteur.testing.FakeDnsResolver;
import dev.facteur.testing.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The certificate of [tls]: it reads, pairs with its key, names us, is valid for a while yet, and its chain is in order. */
class CertificateChecksTest {

    private static final Instant NOW = Instant.parse("2026-12-01T00:00:00Z");
    private static final Instant YEAR_AGO = NOW.minus(Duration.ofDays(365)), YEAR_ON = NOW.plus(Duration.ofDays(365));

    @TempDir
    Path dir;

    private Config tls(Path certificate, Path key, String more) {
        return World.config("[local]\ndomains = [\"" + DOMAIN + "\"]\n[doctor]\npublic_addresses = [\"" + World.ADDRESS + "\"]\n"
                + "[tls]\ncertificate = '" + certificate + "'\nprivate_key = '" + key + "'\n" + more);
    }

    private Config tls(TestCertificates.Issued leaf, TestCertificates.Issued... chain) throws Exception {
        var certs = new ArrayList<>(List.of(leaf.certificate()));
        for (var c : chain) certs.add(c.certificate());
        return tls(TestCertificates.writeChain(dir.resolve("cert.pem"), certs.toArray(X509Certificate[]::new)),
                TestCertificates.writeKey(dir.resolve("key.pem"), leaf.keys()), "");
    }

    private static List<Check> check(Config config, FakeDnsResolver dns, Instant now) {
        return new CertificateChecks(dns, Clock.fixed(now, ZoneOffset.UTC)).check(World.server(config, dns));
    }

    private static List<Check> check(Config config, Instant now) {
        return check(config, World.dns(), now);
    }

    @Test
    void aSelfSignedCertificateForTheHostnameValidForMonthsPasses() throws Exception {
        var config = tls(TestCertificates.selfSigned(List.of(HOST), YEAR_AGO, YEAR_ON));
        assertThat(lines(check(config, NOW))).containsExactly(
                "pass: The certificate names the hostname mx.example.org",
                "pass: The certificate is valid until 2027-12-01 (365 days)",
                "pass: The certificate is self-signed");
    }

    @Test
    void anExpiredCertificateFailsAndOneAboutToExpireWarns() throws Exception {
        var config = tls(TestCertificates.selfSigned(List.of(HOST), YEAR_AGO, YEAR_ON));
        var expired = check(config, YEAR_ON.plus(Duration.ofDays(1)));
        assertThat(lines(expired)).contains("fail: The certificate expired on 2027-12-01");
        assertThat(expired.get(1).fix()).containsExactly("renew it (certbot renew), and make sure renewal runs by itself");
        assertThat(lines(check(config, YEAR_ON.minus(Duration.ofDays(3))))).contains("warn: The certificate expires in 3 days, on 2027-12-01");
        assertThat(lines(check(config, YEAR_ON.minus(CertificateChecks.SOON)))).contains("pass: The certificate is valid until 2027-12-01 (14 days)");
        assertThat(lines(check(config, YEAR_AGO.minus(Duration.ofDays(1))))).contains("fail: The certificate is not valid before 2025-12-01");
    }

    @Test
    void aCertificateForAnotherNameFails() throws Exception {
        var checks = check(tls(TestCertificates.selfSigned(List.of("www.example.org"), YEAR_AGO, YEAR_ON)), NOW);
        assertThat(lines(checks)).first().isEqualTo("fail: The certificate does not name the hostname mx.example.org");
        assertThat(checks.getFirst().details()).startsWith("it names www.example.org;");
    }

    @Test
    void mxNamesThatPointHereShouldBeNamedToo() throws Exception { // what MTA-STS senders check
        var dns = World.dns().withMx(DOMAIN, new Mx(10, "mail.example.org")).withAddresses("mail.example.org", World.ADDRESS);
        var checks = check(tls(TestCertificates.selfSigned(List.of(HOST), YEAR_AGO, YEAR_ON)), dns, NOW);
        assertThat(lines(checks)).contains("warn: The certificate does not name the MX host mail.example.org");
    }

    @Test
    void aChainInOrderPassesAndOneOutOfOrderFails() throws Exception {
        var ca = TestCertificates.authority("Test Authority", YEAR_AGO, YEAR_ON);
        var leaf = TestCertificates.issue(List.of(HOST), YEAR_AGO, YEAR_ON, TestCertificates.rsa(), ca, false);
        var inOrder = check(tls(leaf, ca), NOW);
        assertThat(lines(inOrder)).contains("pass: The certificate chain is in order (2 certificates)");
        assertThat(inOrder.getLast().details()).startsWith("not trusted by the JDK's authorities");

        Path reversed = TestCertificates.writeChain(dir.resolve("reversed.pem"), ca.certificate(), leaf.certificate());
        var config = tls(reversed, TestCertificates.writeKey(dir.resolve("leaf.key"), leaf.keys()), "");
        assertThat(lines(check(config, NOW))).contains("fail: The private key " + dir.resolve("leaf.key") + " is not the key of the certificate")
                .anyMatch(l -> l.startsWith("fail: The certificate chain is out of order: certificate 2 of "));
    }

    @Test
    void aCertificateAloneWithoutItsIssuerWarns() throws Exception {
        var ca = TestCertificates.authority("Test Authority", YEAR_AGO, YEAR_ON);
        var leaf = TestCertificates.issue(List.of(HOST), YEAR_AGO, YEAR_ON, TestCertificates.rsa(), ca, false);
        assertThat(lines(check(tls(leaf), NOW))).contains("warn: " + dir.resolve("cert.pem") + " holds no intermediate certificate");
    }

    @Test
    void aKeyOfAnotherCertificateFails() throws Exception {
        var cert = TestCertificates.selfSigned(List.of(HOST), YEAR_AGO, YEAR_ON);
        var other = TestCertificates.rsa();
        var config = tls(TestCertificates.writeChain(dir.resolve("cert.pem"), cert.certificate()),
                TestCertificates.writeKey(dir.resolve("other.key"), other), "");
        assertThat(lines(check(config, NOW))).first().asString().isEqualTo("fail: The private key " + dir.resolve("other.key") + " is not the key of the certificate");
    }

    @Test
    void anUnreadableFileFails() throws Exception {
        Path garbage = Files.writeString(dir.resolve("cert.pem"), "not a certificate");
        var config = tls(garbage, Files.writeString(dir.resolve("key.pem"), "no key"), "");
        assertThat(lines(check(config, NOW))).containsExactly("fail: The certificate cannot be read");
    }

    @Test
    void eachSniCertificateIsCheckedToo() throws Exception {
        var main = TestCertificates.selfSigned(List.of(HOST), YEAR_AGO, YEAR_ON);
        var sni = TestCertificates.selfSigned(List.of("mail.example.com"), YEAR_AGO, NOW.minus(Duration.ofDays(2)));
        Path sniCert = TestCertificates.writeChain(dir.resolve("sni.pem"), sni.certificate());
        var config = tls(TestCertificates.writeChain(dir.resolve("cert.pem"), main.certificate()),
                TestCertificates.writeKey(dir.resolve("key.pem"), main.keys()),
                "[[tls.sni]]\ncertificate = '" + sniCert + "'\nprivate_key = '" + TestCertificates.writeKey(dir.resolve("sni.key"), sni.keys()) + "'\n");
        assertThat(lines(check(config, NOW))).contains("fail: The certificate " + sniCert + " expired on 2026-11-29");
    }

    @Test
    void noCertificateIsAWarning() {
        var checks = check(World.config(), NOW);
        assertThat(lines(checks)).containsExactly("warn: No certificate: STARTTLS is not offered");
    }
}
