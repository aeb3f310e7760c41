package dev.facteur.doctor;

import static dev.facteur.doctor.World.DOMAIN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.auth.dkim.DkimKeys;
import dev.facteur.config.Config;
import dev.facteur.server.Facteur;
import dev.facteur.dns.Tlsa;
import dev.facteur.dns.Validated;
import dev.facteur.testing.FakeDnsResolver;
import dev.facteur.testing.FakeSecureDns;
import dev.facteur.testing.TestCa;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import dev.facteur.testing.TestCertificates;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The whole examination: the server, then each domain, in order; every check of a correct installation passes. */
class DoctorTest {

    private static final Instant NOW = Instant.parse("2026-12-01T00:00:00Z");

    @TempDir
    Path dir;

    private Config config;
    private FakeDnsResolver dns;

    /** mx.example.org with a certificate, a DKIM key for example.org and one for news.example.com, a blocklist, and DNS all right. */
    private void correctWorld() throws Exception {
        var cert = TestCertificates.selfSigned(List.of(World.HOST), NOW.minus(Duration.ofDays(10)), NOW.plus(Duration.ofDays(80)));
        KeyPair own = DkimKeys.generate("rsa", 1024), news = DkimKeys.generate("ed25519", 0);
        DkimKeys.writePrivateKey(own, dir.resolve("own.key"));
        DkimKeys.writePrivateKey(news, dir.resolve("news.key"));
        config = World.config("""
                [local]
                domains = ["example.org"]
                [doctor]
                public_addresses = ["192.0.2.10"]
                [tls]
                certificate = '%s'
                private_key = '%s'
                [policy.dnsbl]
                lists = ["bl.example"]
                [[dkim.keys]]
                domain = "example.org"
                selector = "s2026"
                private_key = '%s'
                [[dkim.keys]]
                domain = "news.example.com"
                selector = "ed2026"
                private_key = '%s'
                """.formatted(TestCertificates.writeChain(dir.resolve("cert.pem"), cert.certificate()),
                TestCertificates.writeKey(dir.resolve("key.pem"), cert.keys()), dir.resolve("own.key"), dir.resolve("news.key")));
        dns = World.dns()
                .withTxt("s2026._domainkey." + DOMAIN, DkimKeys.record(own))
                .withTxt("ed2026._domainkey.news.example.com", DkimKeys.record(news))
                .withTxt("news.example.com", "v=spf1 ip4:192.0.2.0/24 -all")
                .withTxt("_dmarc.news.example.com", "v=DMARC1; p=reject; rua=mailto:postmaster@example.org")
                .withTxt("news.example.com._report._dmarc.example.org", "v=DMARC1")
                .withTxt("_smtp._tls." + DOMAIN, "v=TLSRPTv1; rua=mailto:postmaster@example.org");
    }

    private Report examine() throws Exception {
        return new Doctor(config, dns, Facteur.addressResolver(config), Clock.fixed(NOW, ZoneOffset.UTC)).examine();
    }

    @Test
    void aCorrectInstallationHasNoFailureAndNoWarning() throws Exception {
        correctWorld();
        Report report = examine();
        assertThat(report.subjects()).extracting(s -> s.kind() + " " + s.name())
                .containsExactly("server mx.example.org", "domain example.org", "domain news.example.com");
        assertThat(report.subjects().stream().flatMap(s -> s.checks().stream()).filter(c -> !(c instanceof Check.Pass)).map(Check::title))
                .as("all that does not pass is what the doctor cannot check")
                .containsExactly(
                        "Open relay test by a real SMTP transaction: no public address is an address of this machine",
                        "No MTA-STS record for example.org",
                        "TLSA records (DANE) of the MX hosts of example.org: not checked, [dns] dnssec is off");
        assertThat(report.exitCode()).isZero();
        assertThat(report.subjects().getLast().checks()).extracting(Check::title).containsExactly(
                "The SPF record of news.example.com is within RFC 7208's limits",
                "SPF of news.example.com lets 192.0.2.10 send (ip4:192.0.2.0/24)",
                "The DKIM key ed2026._domainkey.news.example.com matches the private key (ed25519)",
                "The DMARC policy of news.example.com is p=reject",
                "Aggregate reports go to postmaster@example.org, which this server accepts");
    }

    @Test
    void withDnssecAnswersTheTlsaCheckJoinsEachLocalDomainAndTheJsonReport() throws Exception {
        correctWorld();
        var published = Tlsa.forCertificate(Certificates.read(config.tls().orElseThrow().certificate()).getFirst());
        var next = Tlsa.forCertificate(TestCa.selfSigned(World.HOST).certificate());
        var secure = new FakeSecureDns().withTlsa(World.HOST, 25, new Validated.Secure<>(List.of(published, next)));
        Report report = new Doctor(config, dns, Facteur.addressResolver(config), Clock.fixed(NOW, ZoneOffset.UTC),
                new RelayProbe(Duration.ofSeconds(30)), secure).examine();

        assertThat(report.subjects().get(1).checks().getLast()).isInstanceOf(Check.Pass.class).extracting(Check::title).asString()
                .startsWith("The certificate matches the TLSA record of mx.example.org (3 1 1 ");
        assertThat(report.subjects().getLast().checks()).as("news.example.com only sends: no MX of it is ours").noneMatch(c -> c.title().contains("TLSA"));
        assertThat(secure.asked()).containsExactly("TLSA mx.example.org:25");
        JsonNode json = new JsonMapper().readTree(JsonReport.of(report)).path("subjects").get(1).path("checks").get(report.subjects().get(1).checks().size() - 1);
        assertThat(json.path("status").asString() + ": " + json.path("title").asString())
                .startsWith("pass: The certificate matches the TLSA record of mx.example.org (3 1 1 ");
    }

    @Test
    void oneBrokenRecordIsOneFailureAndTheExitStatusSaysSo() throws Exception {
        correctWorld();
        dns.withTxt(DOMAIN, "v=spf1 ip4:198.51.100.1 -all");
        Report report = examine();
        assertThat(report.count("fail")).isEqualTo(1);
        assertThat(report.exitCode()).isEqualTo(1);
        assertThat(report.subjects().get(1).checks()).filteredOn(c -> c instanceof Check.Fail).singleElement()
                .extracting(Check::title).isEqualTo("SPF of example.org does not let 192.0.2.10 send: fail (-all)");
    }

    @Test
    void oneDomainAloneIsJustThatDomain() throws Exception {
        correctWorld();
        Report report = new Doctor(config, dns, Facteur.addressResolver(config), Clock.fixed(NOW, ZoneOffset.UTC)).examine("News.Example.com");
        assertThat(report.subjects()).extracting(Subject::name).containsExactly("news.example.com");
        assertThat(dns.asked()).as("nothing about the server itself but its addresses").noneMatch(q -> q.startsWith("PTR") || q.contains("bl.example"));
    }
}
