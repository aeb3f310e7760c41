package dev.facteur.reports.tls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.auth.dkim.DkimKeys;
import dev.facteur.server.Facteur;
import dev.facteur.store.Stores;
import dev.facteur.testing.Dnsmasq;
import dev.facteur.testing.LogCapture;
import dev.facteur.testing.Loopback;
import dev.facteur.testing.ManualClock;
import dev.facteur.testing.Patience;
import dev.facteur.testing.RedisServer;
import dev.facteur.testing.SmtpSink;
import dev.facteur.testing.TestConfig;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * A whole Facteur with {@code [tls_reports]} on, sharing a Redis store with another node: the
 * other node counts the sessions of the day (as its delivery would), and this one, once the UTC
 * day is over, sends example.test's report to the {@code mailto:} of its TLSRPT record through its
 * queue, DKIM-signed by the submitter's domain (RFC 8460 §5.3), to the MX of reports.test (an
 * smtp-sink). The clock flows and is moved to the next day.
 */
class TlsReportsIT {

    private static final String OUR_DOMAIN = "b.test";

    @TempDir
    static Path dir;

    private static Dnsmasq dns;
    private static SmtpSink reports;
    private static RedisServer redis;
    private static Facteur facteur;
    private static final ManualClock clock = ManualClock.flowing();

    @BeforeAll
    static void start() throws Exception {
        reports = SmtpSink.start();
        redis = RedisServer.start(null);
        KeyPair key = DkimKeys.generate("ed25519", 0);
        DkimKeys.writePrivateKey(key, dir.resolve("b.test.key"));
        dns = Dnsmasq.start(List.of("local=/test/",
                "txt-record=_smtp._tls.example.test,\"v=TLSRPTv1; rua=mailto:tlsrpt@reports.test\"",
                "mx-host=reports.test,mx.reports.test,10", "host-record=mx.reports.test," + reports.host()));
        facteur = TestConfig.in(dir.resolve("facteur")).hostname("mx." + OUR_DOMAIN).listen(Loopback.host() + ":2528")
                .dns(dns.hostPort()).delivery(Map.of("retry_initial", "1s", "retry_max", "2s")).delivery("remote_port = " + SmtpSink.PORT)
                .tables("""
                        [policy]
                        store = "%s"
                        [tls_reports]
                        enabled = true
                        organization = "B Test"
                        from = "tlsrpt@%s"
                        [[dkim.keys]]
                        domain = "%s"
                        selector = "r2026"
                        private_key = "%s"
                        """.formatted(redis.uri(), OUR_DOMAIN, OUR_DOMAIN, dir.resolve("b.test.key"))).start(clock);
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {facteur, reports, redis, dns}) if (c != null) c.close();
    }

    @Test
    void theDaysReportArrivesSignedAtTheMailtoOfTheTlsrptRecord() throws Exception {
        Instant now = clock.instant();
        Instant noon = LocalDate.ofInstant(now, ZoneOffset.UTC).plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant()
                .plus(Duration.ofHours(12));
        clock.advance(Duration.between(now, noon)); // the sessions fall well inside one day
        LocalDate day = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
        var sts = PolicyRef.sts(List.of("version: STSv1", "mode: enforce", "mx: mx.example.test", "max_age: 86400"),
                List.of("mx.example.test"));
        try (var log = LogCapture.attach("facteur.tlsrpt");
                Stores otherNode = Stores.redis(redis.uri(), Stores.DEFAULT_PREFIX, Duration.ofSeconds(5))) {
            var recorder = new StoredTlsReportRecorder(otherNode.tlsReports(), clock);
            for (int i = 0; i < 4; i++) recorder.success("example.test", sts, "mx.example.test");
            recorder.failure("example.test", sts, "mx.example.test", FailureType.CERTIFICATE_HOST_MISMATCH, "192.0.2.1", "198.51.100.9",
                    "certificate names mx.elsewhere.test");

            clock.advance(Duration.ofHours(12).plusMinutes(6)); // the day is over, and its grace

            String dumped = Patience.await("the report arrives at reports.test").until(reports::messages, l -> !l.isEmpty()).getFirst();
            var mail = TlsReportMail.read(dumped.replace("\r\n", "\n").replace("\n", "\r\n"));
            assertThat(mail.message.field("X-Rcpt-Args")).startsWith("<tlsrpt@reports.test>");
            assertThat(mail.message.field("DKIM-Signature")).contains("d=" + OUR_DOMAIN);
            assertThat(mail.message.field("TLS-Report-Domain")).isEqualTo("example.test");
            assertThat(mail.message.field("TLS-Report-Submitter")).isEqualTo(OUR_DOMAIN);
            assertThat(mail.message.param("content-type", "report-type")).isEqualTo("tlsrpt");
            JsonNode report = mail.report();
            assertThat(report.get("organization-name").asString()).isEqualTo("B Test");
            assertThat(report.get("report-id").asString()).isEqualTo(day + ".example.test@" + OUR_DOMAIN);
            JsonNode summary = report.get("policies").get(0).get("summary");
            assertThat(summary.get("total-successful-session-count").asLong()).isEqualTo(4);
            assertThat(summary.get("total-failure-session-count").asLong()).isEqualTo(1);
            assertThat(report.get("policies").get(0).get("failure-details").get(0).get("result-type").asString())
                    .isEqualTo("certificate-host-mismatch");
            assertThat(log.messages()).anySatisfy(m -> assertThat(m).startsWith("tls report for example.test (" + day + "): 5 sessions")
                    .contains("sent to mailto:tlsrpt@reports.test"));
        }
    }
}
