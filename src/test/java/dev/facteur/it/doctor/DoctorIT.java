package dev.facteur.it.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.auth.dkim.DkimKeys;
import dev.facteur.server.Facteur;
import dev.facteur.testing.Dnsmasq;
import dev.facteur.testing.ExternalProcess;
import dev.facteur.testing.FacteurCli;
import dev.facteur.testing.Loopback;
import dev.facteur.testing.TestCertificates;
import dev.facteur.testing.TestConfig;
import dev.facteur.tls.SelfSigned;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code facteur doctor} as an operator runs it, against two small worlds on loopback served by one
 * dnsmasq: good.test, where everything is right, and broken.test with second.test, where each
 * kind of mistake is made once. Each world has its Facteur running, so the real open-relay
 * test has a server to try; loopback hosts stand for the public addresses.
 */
class DoctorIT {

    private static final int SMTP_PORT = 2525;

    @TempDir
    static Path dir;

    private static Dnsmasq dns;
    // good.test: mail leaves from GOOD, the server listens on GOOD_LISTEN
    private static final String GOOD = Loopback.host(), GOOD_LISTEN = Loopback.host();
    // broken.test: NO_PTR has no name, WRONG_PTR another name than the EHLO name, LISTED is on bl.test
    private static final String NO_PTR = Loopback.host(), WRONG_PTR = Loopback.host(), LISTED = Loopback.host(),
            BROKEN_LISTEN = Loopback.host(), ELSEWHERE = Loopback.host();
    private static KeyPair goodKey, brokenKey;
    /** When the broken world's certificate expired: ten days ago. */
    private static final Instant EXPIRED = Instant.now().truncatedTo(ChronoUnit.SECONDS).minus(Duration.ofDays(10)); // X.509 keeps seconds

    private final List<AutoCloseable> running = new ArrayList<>();

    @BeforeAll
    static void world() throws Exception {
        goodKey = DkimKeys.generate("rsa", 2048);
        brokenKey = DkimKeys.generate("rsa", 2048);
        KeyPair published = DkimKeys.generate("rsa", 2048); // not brokenKey's: the mismatch
        DkimKeys.writePrivateKey(goodKey, dir.resolve("good.key"));
        DkimKeys.writePrivateKey(brokenKey, dir.resolve("broken.key"));
        List<String> zone = new ArrayList<>(List.of("local=/test/", "local=/in-addr.arpa/", // unknown names and addresses: NXDOMAIN
                // good.test: PTR, A, MX, SPF of the domain and of the EHLO name, DKIM, DMARC, TLS-RPT
                "host-record=mx.good.test," + GOOD,
                "mx-host=good.test,mx.good.test,10",
                "txt-record=good.test,\"v=spf1 mx -all\"",
                "txt-record=mx.good.test,\"v=spf1 a -all\"",
                "txt-record=s2026._domainkey.good.test," + String.join(",", DkimKeys.strings(DkimKeys.record(goodKey))),
                "txt-record=_dmarc.good.test,\"v=DMARC1; p=reject; rua=mailto:postmaster@good.test\"",
                "txt-record=_smtp._tls.good.test,\"v=TLSRPTv1; rua=mailto:postmaster@good.test\"",
                // broken.test
                "host-record=mx.broken.test," + LISTED,
                "host-record=wrong.broken.test," + WRONG_PTR,
                "host-record=" + reversed(LISTED) + ".bl.test,127.0.0.2",
                "mx-host=broken.test,mx.elsewhere.test,10",
                "host-record=mx.elsewhere.test," + ELSEWHERE,
                "txt-record=broken.test,\"v=spf1 ip4:" + ELSEWHERE + " -all\"",
                "txt-record=s1._domainkey.broken.test," + String.join(",", DkimKeys.strings(DkimKeys.record(published))),
                // second.test: SPF past the 10 lookups, DMARC p=none with reports to a host that did not agree to take them
                "mx-host=second.test,mx.broken.test,10",
                "txt-record=second.test,\"v=spf1 " + String.join(" ",
                        IntStream.rangeClosed(1, 11).mapToObj(i -> "include:s" + i + ".second.test").toList()) + " -all\"",
                "txt-record=_dmarc.second.test,\"v=DMARC1; p=none; rua=mailto:dmarc@reports.elsewhere.test\""));
        for (int i = 1; i <= 11; i++) zone.add("txt-record=s" + i + ".second.test,\"v=spf1 ip4:10.0.0." + i + " -all\"");
        dns = Dnsmasq.start(zone);
    }

    @AfterAll
    static void stopDns() {
        if (dns != null) dns.close();
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : running.reversed()) c.close();
    }

    private static String reversed(String address) {
        List<String> octets = new ArrayList<>(List.of(address.split("\\.")));
        return String.join(".", octets.reversed());
    }

    /** Starts the world's Facteur and writes its configuration where the doctor reads it. */
    private Path serve(String name, TestConfig config) throws Exception {
        Facteur facteur = config.dns(dns.hostPort()).start();
        running.add(facteur);
        return config.writeTo(dir.resolve(name + ".toml"));
    }

    private Path goodWorld() throws Exception {
        var pem = SelfSigned.generate(dir.resolve("good-tls"), "mx.good.test");
        return serve("good", TestConfig.in(dir.resolve("good")).hostname("mx.good.test").listen(GOOD_LISTEN + ":" + SMTP_PORT).tls(pem)
                .tables("""
                        [relay]
                        networks = ["127.0.0.1/32"]
                        [local]
                        domains = ["good.test"]
                        [doctor]
                        public_addresses = ["%s"]
                        [policy.dnsbl]
                        lists = ["bl.test"]
                        [[dkim.keys]]
                        domain = "good.test"
                        selector = "s2026"
                        private_key = "%s"
                        """.formatted(GOOD, dir.resolve("good.key"))));
    }

    private Path brokenWorld() throws Exception {
        var expired = TestCertificates.selfSigned(List.of("mx.broken.test"), EXPIRED.minus(Duration.ofDays(90)), EXPIRED);
        Path cert = TestCertificates.writeChain(dir.resolve("expired.pem"), expired.certificate());
        Path key = TestCertificates.writeKey(dir.resolve("expired.key"), expired.keys());
        return serve("broken", TestConfig.in(dir.resolve("broken")).hostname("mx.broken.test").listen(BROKEN_LISTEN + ":" + SMTP_PORT)
                .tables("""
                        [relay]
                        networks = ["0.0.0.0/0"]
                        [local]
                        domains = ["broken.test", "second.test"]
                        [doctor]
                        public_addresses = ["%s", "%s", "%s"]
                        [policy.dnsbl]
                        lists = ["bl.test"]
                        [tls]
                        certificate = "%s"
                        private_key = "%s"
                        [[dkim.keys]]
                        domain = "broken.test"
                        selector = "s1"
                        private_key = "%s"
                        """.formatted(NO_PTR, WRONG_PTR, LISTED, cert, key, dir.resolve("broken.key"))));
    }

    private static ExternalProcess.Result doctor(Path config, String... more) {
        List<String> args = new ArrayList<>(List.of("doctor", "--config", config.toString()));
        args.addAll(List.of(more));
        return FacteurCli.run(args.toArray(String[]::new));
    }

    /** The check with this title in the JSON report, as "status: title | fix lines". */
    private static String check(JsonNode report, String title) {
        for (JsonNode s : report.path("subjects"))
            for (JsonNode c : s.path("checks"))
                if (c.path("title").asString().equals(title))
                    return c.path("status").asString() + ": " + title + " | " + String.join(" / ", c.path("fix").valueStream().map(JsonNode::asString).toList());
        return "(no check titled " + title + ")";
    }

    @Test
    void aCorrectServerIsAllGreen() throws Exception {
        Path config = goodWorld();
        var run = doctor(config);
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.stdout()).as(run.stdout()).doesNotContain("✗", "\n  ! ")
                .contains("Server mx.good.test\n", "Domain good.test\n",
                        "  ✓ " + GOOD + " has reverse DNS: mx.good.test\n",
                        "  ✓ mx.good.test resolves back to " + GOOD + " (forward-confirmed reverse DNS)\n",
                        "  ✓ SPF of the EHLO name mx.good.test lets " + GOOD + " send (a)\n",
                        "  ✓ The certificate names the hostname mx.good.test\n",
                        "  ✓ The running server refuses to relay (" + GOOD + " to " + GOOD_LISTEN + ":" + SMTP_PORT + ")\n",
                        "  ✓ " + GOOD + " is on none of the 1 blocklist\n",
                        "  ✓ The MX of good.test points here: mx.good.test\n",
                        "  ✓ SPF of good.test lets " + GOOD + " send (mx)\n",
                        "  ✓ The DKIM key s2026._domainkey.good.test matches the private key (rsa, 2048 bits)\n",
                        "  ✓ The DMARC policy of good.test is p=reject\n",
                        "  ✓ The TLS-RPT record of good.test reads\n")
                .endsWith(" passed, 0 warnings, 0 failed, 2 skipped\n");
        assertThat(run.stdout()).as("no colours into a pipe").doesNotContain("\033[");
    }

    @Test
    void everyKindOfMistakeIsAFailureWithItsFix() throws Exception {
        Path config = brokenWorld();
        var text = doctor(config);
        assertThat(text.exitCode()).as(text.toString()).isEqualTo(1);
        var json = doctor(config, "--json");
        assertThat(json.exitCode()).isEqualTo(1);
        JsonNode report = new JsonMapper().readTree(json.stdout());
        assertThat(report.path("ok").asBoolean()).isFalse();

        assertThat(check(report, NO_PTR + " has no reverse DNS (PTR)"))
                .isEqualTo("fail: " + NO_PTR + " has no reverse DNS (PTR) | " + reversed(NO_PTR) + ".in-addr.arpa. PTR mx.broken.test.");
        assertThat(check(report, "The PTR name of " + WRONG_PTR + " is wrong.broken.test, not the EHLO name mx.broken.test"))
                .startsWith("fail: ").contains("| " + reversed(WRONG_PTR) + ".in-addr.arpa. PTR mx.broken.test.");
        assertThat(check(report, "The MX of broken.test points elsewhere: mx.elsewhere.test (" + ELSEWHERE + ")"))
                .endsWith("| broken.test. MX 10 mx.broken.test.").startsWith("fail: ");
        assertThat(check(report, "SPF of broken.test does not let " + NO_PTR + ", " + WRONG_PTR + ", " + LISTED + " send"))
                .endsWith("| broken.test. TXT \"v=spf1 ip4:" + NO_PTR + " ip4:" + WRONG_PTR + " ip4:" + LISTED + " ip4:" + ELSEWHERE + " -all\"");
        assertThat(check(report, "The SPF record of second.test cannot be evaluated: more than 10 DNS-querying terms, at 'include:s11.second.test'"))
                .startsWith("fail: ").contains("| second.test. TXT \"v=spf1 mx ip4:");
        assertThat(check(report, "The DKIM key s1._domainkey.broken.test is not the public half of the private key in use"))
                .startsWith("fail: ").contains("| s1._domainkey.broken.test. TXT \"v=DKIM1; k=rsa; p=")
                .contains(DkimKeys.record(brokenKey).substring(30, 60));
        assertThat(check(report, "broken.test has no DMARC record"))
                .isEqualTo("fail: broken.test has no DMARC record | _dmarc.broken.test. TXT \"v=DMARC1; p=quarantine; rua=mailto:postmaster@broken.test\"");
        assertThat(check(report, "Aggregate reports to mailto:dmarc@reports.elsewhere.test are not sent"))
                .isEqualTo("fail: Aggregate reports to mailto:dmarc@reports.elsewhere.test are not sent"
                        + " | second.test._report._dmarc.reports.elsewhere.test. TXT \"v=DMARC1\"");
        assertThat(check(report, "The DMARC policy of second.test is p=none")).startsWith("warn: ")
                .endsWith("| _dmarc.second.test. TXT \"v=DMARC1; p=quarantine; rua=mailto:dmarc@reports.elsewhere.test\"");
        assertThat(check(report, "The certificate expired on " + LocalDate.ofInstant(EXPIRED, ZoneOffset.UTC)))
                .startsWith("fail: ").endsWith("| renew it (certbot renew), and make sure renewal runs by itself");
        assertThat(check(report, "Open relay: the configuration lets any client send mail anywhere")).startsWith("fail: ")
                .contains("| [relay] networks = [\"127.0.0.0/8\", \"::1/128\"]");
        assertThat(check(report, "Open relay: the running server accepted RCPT TO:<relay-test@example.net> (" + NO_PTR + " to "
                + BROKEN_LISTEN + ":" + SMTP_PORT + ")")).startsWith("fail: ");
        assertThat(check(report, LISTED + " is listed on bl.test (127.0.0.2)"))
                .isEqualTo("fail: " + LISTED + " is listed on bl.test (127.0.0.2) | request delisting of " + LISTED + " at bl.test");

        // the people's version says the same, each failure followed by its fix
        assertThat(text.stdout()).contains("  ✗ " + NO_PTR + " has no reverse DNS (PTR)\n      most receivers",
                "      fix: " + reversed(NO_PTR) + ".in-addr.arpa. PTR mx.broken.test.\n");
        assertThat(report.path("summary").path("fail").asInt()).isEqualTo(text.stdout().lines().filter(l -> l.startsWith("  ✗ ")).count());
    }

    @Test
    void oneDomainAtATime() throws Exception {
        Path config = brokenWorld();
        var run = doctor(config, "--domain", "second.test");
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(1);
        assertThat(run.stdout()).startsWith("Domain second.test\n").doesNotContain("Server ", "Domain broken.test");
    }
}
