package dev.facteur.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.dns.DnsJavaResolver;
import dev.facteur.server.Facteur;
import dev.facteur.sts.MtaSts;
import dev.facteur.sts.PolicyFetcher;
import dev.facteur.sts.StsPolicy;
import dev.facteur.sts.StsRecord;
import dev.facteur.testing.Dnsmasq;
import dev.facteur.testing.ExternalProcess;
import dev.facteur.testing.LogCapture;
import dev.facteur.testing.Loopback;
import dev.facteur.testing.Patience;
import dev.facteur.testing.PrivateCa;
import dev.facteur.testing.TestConfig;
import dev.facteur.tls.CertificateFiles;
import dev.facteur.tls.VerifiedTls;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A whole Facteur serving its own MTA-STS policy (RFC 8461 §3.2) on {@code [mta_sts] listen}:
 * curl takes it over HTTPS as a sender would, a renewed certificate is served without a restart,
 * and our own sender side finds it through real DNS (dnsmasq).
 */
class MtaStsIT {

    static final String POLICY = "version: STSv1\r\nmode: enforce\r\nmx: mx.facteur.test\r\nmax_age: 86400\r\n";

    @TempDir
    Path dir;
    private final PrivateCa ca = PrivateCa.create("Facteur test CA");
    private CertificateFiles.Pair certificate;
    private Facteur facteur;
    private InetSocketAddress at;

    @BeforeEach
    void start() throws Exception {
        certificate = ca.issue(dir.resolve("tls"), "mta-sts.example.test");
        try (var log = LogCapture.attach("facteur.sts")) {
            facteur = TestConfig.in(dir.resolve("data")).tables("""
                    [local]
                    domains = ["example.test"]
                    [mta_sts]
                    listen = ["%s:0"]
                    certificate = "%s"
                    private_key = "%s"
                    mode = "enforce"
                    max_age = "1d"
                    """.formatted(Loopback.host(), certificate.certificate(), certificate.privateKey())).start();
            at = facteur.mtaStsAddresses().getFirst();
            assertThat(log.infos()).as("what the operator must publish")
                    .contains("mta-sts: publish _mta-sts.example.test TXT \"" + StsRecord.of(served()).text() + "\", and mta-sts.example.test pointing here");
            assertThat(log.warnings()).isEmpty();
        }
    }

    /** The policy the configuration above makes. */
    private static StsPolicy served() {
        return new StsPolicy(StsPolicy.Mode.ENFORCE, List.of("mx.facteur.test"), Duration.ofDays(1));
    }

    @AfterEach
    void stop() throws Exception {
        if (facteur != null) facteur.close();
    }

    /** curl asking for the policy as a sender does, trusting only {@code authority}: its output, then the status and type. */
    private ExternalProcess.Result curl(Path authority) throws Exception {
        String host = "mta-sts.example.test";
        return ExternalProcess.run(List.of("curl", "--silent", "--show-error", "--max-time", "30", "--cacert", authority.toString(),
                "--resolve", host + ":" + at.getPort() + ":" + at.getAddress().getHostAddress(),
                "--write-out", "\n%{http_code} %{content_type}", "https://" + host + ":" + at.getPort() + "/.well-known/mta-sts.txt"));
    }

    @Test
    void thePolicyIsServedOverHttpsAndARenewedCertificateWithoutARestart() throws Exception {
        Path first = ca.writeCertificate(dir.resolve("first-ca.pem"));
        var r = curl(first);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).isEqualTo(POLICY + "\n200 text/plain; charset=utf-8");

        // renewed by another authority, the files moved into place as certbot does
        PrivateCa other = PrivateCa.create("Another test CA");
        Path second = other.writeCertificate(dir.resolve("second-ca.pem"));
        var renewed = other.issue(dir.resolve("renewed"), "mta-sts.example.test");
        assertThat(curl(second).exitCode()).as("not yet").isNotZero();
        Files.move(renewed.privateKey(), certificate.privateKey(), StandardCopyOption.REPLACE_EXISTING);
        Files.move(renewed.certificate(), certificate.certificate(), StandardCopyOption.REPLACE_EXISTING);
        Patience.await("the renewed certificate served").until(() -> curl(second).exitCode() == 0);
        assertThat(curl(second).stdout()).isEqualTo(POLICY + "\n200 text/plain; charset=utf-8");
        assertThat(curl(first).exitCode()).as("the old certificate is no longer served").isNotZero();
    }

    @Test
    void ourSenderSideFindsThePolicyThroughRealDns() throws Exception {
        String id = StsRecord.of(served()).id();
        try (var dns = Dnsmasq.start(List.of("local=/example.test/", "txt-record=_mta-sts.example.test,\"v=STSv1; id=" + id + ";\"",
                "host-record=mta-sts.example.test," + at.getAddress().getHostAddress()))) {
            var resolver = new DnsJavaResolver(List.of(dns.hostPort()), Duration.ofSeconds(2), 2);
            var settings = new PolicyFetcher.Settings(at.getPort(), Duration.ofSeconds(30), Duration.ofSeconds(30),
                    VerifiedTls.context(Optional.of(ca.writeCertificate(dir.resolve("ca.pem")))));
            var sts = new MtaSts(resolver, settings, dir.resolve("sender-cache"), Clock.systemUTC());
            var policy = sts.lookup("example.test");
            assertThat(policy).isInstanceOf(MtaSts.Policy.Enforce.class);
            StsPolicy p = ((MtaSts.Policy.Enforce) policy).policy();
            assertThat(p.matches("mx.facteur.test")).isTrue();
            assertThat(p.matches("mx.elsewhere.test")).isFalse();
            assertThat(dir.resolve("sender-cache/example.test.policy")).exists();
        }
    }
}
