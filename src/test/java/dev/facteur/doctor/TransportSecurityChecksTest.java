package dev.facteur.doctor;

import static dev.facteur.doctor.World.DOMAIN;
import static dev.facteur.doctor.World.HOST;
import static dev.facteur.doctor.World.lines;
import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.config.Config;
import dev.facteur.testing.FakeDnsResolver;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import dev.facteur.testing.TestCertificates;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** MTA-STS (RFC 8461) and TLS-RPT (RFC 8460) records of a local domain, and what MTA-STS asks of our certificate. */
class TransportSecurityChecksTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-01T00:00:00Z"), ZoneOffset.UTC);

    @TempDir
    Path dir;

    private static List<Check> check(Config config, FakeDnsResolver dns) {
        return new TransportSecurityChecks(dns, CLOCK).check(World.server(config, dns), World.local());
    }

    @Test
    void withNeitherRecordBothAreSkipped() {
        var checks = check(World.config(), World.dns());
        assertThat(lines(checks)).containsExactly(
                "skipped: No MTA-STS record for example.org",
                "skipped: No TLS-RPT record for example.org");
        assertThat(checks.get(1).fix()).containsExactly("_smtp._tls.example.org. TXT \"v=TLSRPTv1; rua=mailto:postmaster@example.org\"");
    }

    @Test
    void aTlsRptRecordIsRead() {
        assertThat(lines(check(World.config(), World.dns().withTxt("_smtp._tls." + DOMAIN, "v=TLSRPTv1; rua=mailto:tls@example.org")))
                .get(1)).isEqualTo("pass: The TLS-RPT record of example.org reads");
        assertThat(lines(check(World.config(), World.dns().withTxt("_smtp._tls." + DOMAIN, "v=TLSRPTv1; rua=ftp://example.org")))
                .get(1)).isEqualTo("fail: The TLS-RPT record of example.org does not read: rua= takes mailto: and https: URIs, not ftp://example.org");
        assertThat(TransportSecurityChecks.rptProblem("v=TLSRPTv1;rua=mailto:a@example.org,https://reports.example.net/tls")).isNull();
        assertThat(TransportSecurityChecks.rptProblem("v=TLSRPTv1; ruf=mailto:a@example.org")).isEqualTo("no rua= field");
    }

    @Test
    void theMtaStsRecordIsReadAsRfc8461Says() {
        assertThat(TransportSecurityChecks.stsProblem("v=STSv1; id=20261201T000000;")).isNull();
        assertThat(TransportSecurityChecks.stsProblem("v=STSv1;id=abc")).isNull();
        assertThat(TransportSecurityChecks.stsProblem("v=STSv1; id=2026-12-01")).isEqualTo("id= must be 1 to 32 letters and digits");
        assertThat(TransportSecurityChecks.stsProblem("v=STSv1;")).isEqualTo("no id= field");
    }

    @Test
    void mtaStsWithASelfSignedCertificateFailsAndAsksForTlsRpt() throws Exception {
        var cert = TestCertificates.selfSigned(List.of(HOST), CLOCK.instant().minus(Duration.ofDays(1)), CLOCK.instant().plus(Duration.ofDays(90)));
        var config = World.config("[local]\ndomains = [\"" + DOMAIN + "\"]\n[doctor]\npublic_addresses = [\"" + World.ADDRESS + "\"]\n"
                + "[tls]\ncertificate = '" + TestCertificates.writeChain(dir.resolve("c.pem"), cert.certificate()) + "'\nprivate_key = '"
                + TestCertificates.writeKey(dir.resolve("k.pem"), cert.keys()) + "'\n");
        var checks = check(config, World.dns().withTxt("_mta-sts." + DOMAIN, "v=STSv1; id=1"));
        assertThat(lines(checks)).containsExactly(
                "pass: The MTA-STS record of example.org reads",
                "fail: The certificate would not satisfy MTA-STS senders of example.org",
                "skipped: The MTA-STS policy of example.org: not checked",
                "warn: No TLS-RPT record for example.org");
    }

    @Test
    void twoMtaStsRecordsAreNone() { // RFC 8461 §3.1
        var checks = check(World.config(), World.dns().withTxt("_mta-sts." + DOMAIN, "v=STSv1; id=1", "v=STSv1; id=2"));
        assertThat(lines(checks)).first().isEqualTo("fail: example.org has 2 MTA-STS records");
        assertThat(checks.getFirst().fix()).containsExactly("_mta-sts.example.org. TXT \"v=STSv1; id=2026120101\"");
    }

    @Test
    void domainsThatOnlySendHaveNoInboundTlsToCheck() {
        var dns = World.dns();
        assertThat(new TransportSecurityChecks(dns, CLOCK).check(World.server(World.config(), dns), new Domain("news.example.com", false))).isEmpty();
    }

    @Test
    void thePolicyFileIsFetchedAsASenderWouldAndMustNameEveryMxHost() throws Exception {
        var ca = dev.facteur.testing.PrivateCa.create("Doctor Test CA");
        String host = dev.facteur.testing.Loopback.host();
        var pem = ca.issue(dir.resolve("sts"), "mta-sts." + DOMAIN);
        var policy = dev.facteur.sts.StsPolicy.parse("version: STSv1\nmode: enforce\nmx: mx1." + DOMAIN + "\nmax_age: 86400\n");
        var served = new dev.facteur.sts.StsServer(List.of(new dev.facteur.net.HostPort(host, 0)),
                ((dev.facteur.sts.StsPolicy.Parse.Valid) policy).policy(), dev.facteur.tls.PemTls.serverContext(pem.certificate(), pem.privateKey()));
        served.start();
        try {
            var dns = World.dns().withTxt("_mta-sts." + DOMAIN, "v=STSv1; id=1").withAddresses("mta-sts." + DOMAIN, host)
                    .withMx(DOMAIN, new dev.facteur.dns.Mx(10, "mx1." + DOMAIN), new dev.facteur.dns.Mx(20, "backup.elsewhere.example"));
            var fetcher = new dev.facteur.sts.PolicyFetcher(dns, dev.facteur.sts.PolicyFetcher.Settings.of(served.addresses().getFirst().getPort(),
                    java.util.Optional.of(ca.writeCertificate(dir.resolve("ca.pem")))));
            var checks = new TransportSecurityChecks(dns, CLOCK, fetcher).check(World.server(World.config(), dns), World.local());

            assertThat(lines(checks)).contains("fail: The MTA-STS policy of example.org leaves out MX hosts: backup.elsewhere.example");
        } finally {
            served.close();
        }
    }
}
