package dev.facteur.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.facteur.testing.ManualClock;
import dev.facteur.testing.PrometheusText;
import dev.facteur.testing.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The metrics as Prometheus reads them: the names that alert rules and dashboards are written
 * against, their labels, and the values the typed methods leave in them.
 */
class MetricsTest {

    @TempDir
    Path dir;

    private final ManualClock clock = ManualClock.at(Instant.parse("2026-06-01T12:00:00Z"));

    private PrometheusText scrape(Metrics m) {
        return PrometheusText.parse(m.scrape());
    }

    @Test
    void everyNameTheAlertRulesUseIsScrapedWithItsType() throws Exception { // docs/metrics.md lists them
        var text = scrape(Exercised.metrics(dir, clock));
        record Family(String name, String type) {}
        var expected = List.of(
                new Family("facteur_smtp_connections_total", "counter"), new Family("facteur_smtp_sessions_active", "gauge"),
                new Family("facteur_smtp_replies_total", "counter"), new Family("facteur_messages_accepted_total", "counter"),
                new Family("facteur_messages_refused_total", "counter"), new Family("facteur_queue_messages", "gauge"),
                new Family("facteur_queue_oldest_message_seconds", "gauge"), new Family("facteur_deliveries_total", "counter"),
                new Family("facteur_delivery_duration_seconds", "histogram"), new Family("facteur_delivery_attempts_total", "counter"),
                new Family("facteur_delivery_retries_total", "counter"), new Family("facteur_dns_lookups_total", "counter"),
                new Family("facteur_dns_lookup_duration_seconds", "histogram"),
                new Family("facteur_spool_commit_duration_seconds", "histogram"),
                new Family("facteur_spool_commit_batch_size", "histogram"), new Family("facteur_policy_verdicts_total", "counter"),
                new Family("facteur_tls_sessions_total", "counter"), new Family("facteur_data_dir_free_bytes", "gauge"),
                new Family("facteur_tls_certificate_expiry_seconds", "gauge"),
                new Family("jvm_memory_used_bytes", "gauge"), new Family("jvm_threads_live_threads", "gauge"),
                new Family("process_cpu_usage", "gauge"), new Family("system_cpu_count", "gauge"),
                new Family("process_uptime_seconds", "gauge"));
        for (Family f : expected) assertThat(text.type(f.name())).as(f.name()).isEqualTo(f.type());
        assertThat(text.names()).contains("facteur_delivery_duration_seconds_bucket", "facteur_dns_lookup_duration_seconds_bucket",
                "facteur_spool_commit_duration_seconds_bucket", "facteur_spool_commit_batch_size_bucket");
    }

    @Test
    void aListenerCountsConnectionsSessionsAndRepliesByClass() {
        Metrics m = Metrics.prometheus(clock);
        SmtpMetrics smtp = m.smtp("submission");
        assertThat(m.smtp("submission")).as("one set of meters per listener").isSameAs(smtp);
        smtp.connected();
        smtp.connected();
        smtp.sessionStarted();
        smtp.sessionStarted();
        smtp.sessionEnded();
        for (int code : new int[] {220, 250, 250, 334, 354, 421, 535, 0}) smtp.replied(code);
        var text = scrape(m);
        assertThat(text.value("facteur_smtp_connections_total", "listener", "submission")).isEqualTo(2);
        assertThat(text.value("facteur_smtp_sessions_active", "listener", "submission")).isEqualTo(1);
        assertThat(text.value("facteur_smtp_replies_total", "listener", "submission", "class", "2xx")).isEqualTo(3);
        assertThat(text.value("facteur_smtp_replies_total", "listener", "submission", "class", "3xx")).isEqualTo(2);
        assertThat(text.value("facteur_smtp_replies_total", "listener", "submission", "class", "4xx")).isEqualTo(1);
        assertThat(text.value("facteur_smtp_replies_total", "listener", "submission", "class", "5xx")).isEqualTo(1);
        assertThat(text.find("facteur_smtp_replies_total")).as("no class but 2xx to 5xx").hasSize(4);
    }

    @Test
    void refusalsAreCountedByReasonEveryReasonFromTheStart() {
        Metrics m = Metrics.prometheus(clock);
        SmtpMetrics smtp = m.smtp("smtp");
        smtp.refused(554, "5.7.1", "Relay access denied");
        smtp.refused(550, "5.1.1", "No such user");
        smtp.refused(550, "5.1.1", "No such user");
        var text = scrape(m);
        assertThat(text.value("facteur_messages_refused_total", "listener", "smtp", "reason", "policy")).isEqualTo(1);
        assertThat(text.value("facteur_messages_refused_total", "listener", "smtp", "reason", "recipients")).isEqualTo(2);
        assertThat(text.find("facteur_messages_refused_total")).extracting(s -> s.labels().get("reason"))
                .containsExactlyInAnyOrder("size", "policy", "recipients", "syntax", "tls", "auth", "other");
    }

    @Test
    void deliveriesByDestinationNameTheTwentyBusiestDomainsAndNoMore() {
        Metrics m = Metrics.prometheus(clock);
        DeliveryMetrics delivery = m.delivery();
        int recipients = 0;
        for (int round = 0; round < 10; round++) {
            delivery.recipient(DeliveryMetrics.Outcome.DELIVERED, "Gmail.COM");
            recipients++;
            for (int d = 0; d < 50; d++) {
                delivery.recipient(DeliveryMetrics.Outcome.BOUNCED, "d" + d + ".example");
                recipients++;
            }
        }
        var text = scrape(m);
        List<String> destinations = new ArrayList<>();
        for (var s : text.find("facteur_deliveries_total", "outcome", "delivered")) destinations.add(s.labels().get("destination"));
        assertThat(destinations).hasSizeLessThanOrEqualTo(DeliveryMetrics.DESTINATIONS + 1).contains("gmail.com", "other");
        assertThat(text.value("facteur_deliveries_total", "outcome", "delivered", "destination", "gmail.com")).isEqualTo(10);
        assertThat(text.sum("facteur_deliveries_total")).as("every recipient counted once, named or other").isEqualTo(recipients);
    }

    @Test
    void anAttemptIsTimedAndCountedByOutcomeAndARetryCountsToo() {
        Metrics m = Metrics.prometheus(clock);
        m.delivery().attempted(DeliveryMetrics.Outcome.DELIVERED, Duration.ofMillis(200).toNanos(), false);
        m.delivery().attempted(DeliveryMetrics.Outcome.BOUNCED, Duration.ofSeconds(4).toNanos(), true);
        var text = scrape(m);
        assertThat(text.value("facteur_delivery_attempts_total", "outcome", "delivered")).isEqualTo(1);
        assertThat(text.value("facteur_delivery_attempts_total", "outcome", "bounced")).isEqualTo(1);
        assertThat(text.value("facteur_delivery_retries_total")).isEqualTo(1);
        assertThat(text.value("facteur_delivery_duration_seconds_bucket", "outcome", "delivered", "le", "0.25")).isEqualTo(1);
        assertThat(text.value("facteur_delivery_duration_seconds_bucket", "outcome", "bounced", "le", "2.5")).isZero();
        assertThat(text.value("facteur_delivery_duration_seconds_sum", "outcome", "bounced")).isCloseTo(4, within(1e-9));
        assertThatThrownBy(() -> m.delivery().attempted(DeliveryMetrics.Outcome.EXPIRED, 1, false))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void tlsSessionsAreCountedByDirectionAndVersion() {
        Metrics m = Metrics.prometheus(clock);
        m.smtp("smtp").tlsStarted("TLSv1.3");
        m.delivery().tlsStarted("TLSv1.2 with cipher TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"); // as the delivery log says it
        m.delivery().tlsStarted("NONE");
        var text = scrape(m);
        assertThat(text.value("facteur_tls_sessions_total", "direction", "inbound", "version", "TLSv1.3")).isEqualTo(1);
        assertThat(text.value("facteur_tls_sessions_total", "direction", "outbound", "version", "TLSv1.2")).isEqualTo(1);
        assertThat(text.value("facteur_tls_sessions_total", "direction", "outbound", "version", "other")).isEqualTo(1);
    }

    @Test
    void dnsLookupsAreCountedByTypeAndResultAndTimed() {
        Metrics m = Metrics.prometheus(clock);
        m.dns().lookedUp(15, DnsMetrics.Result.FOUND, Duration.ofMillis(20).toNanos());
        m.dns().lookedUp(99, DnsMetrics.Result.TEMPFAIL, Duration.ofSeconds(5).toNanos()); // SPF's old type 99
        var text = scrape(m);
        assertThat(text.value("facteur_dns_lookups_total", "type", "MX", "result", "found")).isEqualTo(1);
        assertThat(text.value("facteur_dns_lookups_total", "type", "other", "result", "tempfail")).isEqualTo(1);
        assertThat(text.value("facteur_dns_lookup_duration_seconds_bucket", "type", "MX", "le", "0.025")).isEqualTo(1);
    }

    @Test
    void policyVerdictsAreCountedByCheck() {
        Metrics m = Metrics.prometheus(clock);
        m.policy().verdict("greylist", PolicyMetrics.Decision.DEFER);
        m.policy().verdict("greylist", PolicyMetrics.Decision.DUNNO);
        m.policy().verdict("greylist", PolicyMetrics.Decision.DUNNO);
        var text = scrape(m);
        assertThat(text.value("facteur_policy_verdicts_total", "check", "greylist", "verdict", "defer")).isEqualTo(1);
        assertThat(text.value("facteur_policy_verdicts_total", "check", "greylist", "verdict", "dunno")).isEqualTo(2);
    }

    @Test
    void spoolCommitsAreTimedAndEachSyncsBatchMeasured() {
        Metrics m = Metrics.prometheus(clock);
        m.spool().committed(Duration.ofMillis(3).toNanos());
        m.spool().synced(1);
        m.spool().synced(30);
        var text = scrape(m);
        assertThat(text.value("facteur_spool_commit_duration_seconds_count")).isEqualTo(1);
        assertThat(text.value("facteur_spool_commit_batch_size_count")).isEqualTo(2);
        assertThat(text.value("facteur_spool_commit_batch_size_sum")).isEqualTo(31);
        assertThat(text.value("facteur_spool_commit_batch_size_bucket", "le", "16.0")).isEqualTo(1);
    }

    @Test
    void theQueueIsCountedByOneCensusOnly() {
        Metrics m = Metrics.prometheus(clock);
        m.queue(tally -> {});
        assertThatThrownBy(() -> m.queue(tally -> {})).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("registered already");
    }

    @Test
    void theQueueIsCountedAtEachScrapeAndEveryStateStartsAtZero() {
        Metrics m = Metrics.prometheus(clock);
        List<Instant> deferred = new ArrayList<>();
        m.queue(tally -> {
            for (Instant arrival : deferred) tally.add(QueueState.DEFERRED, arrival);
        });
        var empty = scrape(m);
        for (String state : List.of("active", "deferred", "held")) {
            assertThat(empty.value("facteur_queue_messages", "state", state)).as(state).isZero();
            assertThat(empty.value("facteur_queue_oldest_message_seconds", "state", state)).as(state).isZero();
        }
        deferred.add(clock.instant().minus(Duration.ofHours(2)));
        deferred.add(clock.instant().minus(Duration.ofMinutes(5)));
        var two = scrape(m);
        assertThat(two.value("facteur_queue_messages", "state", "deferred")).isEqualTo(2);
        assertThat(two.value("facteur_queue_oldest_message_seconds", "state", "deferred")).isEqualTo(7200);
        clock.advance(Duration.ofSeconds(30));
        assertThat(scrape(m).value("facteur_queue_oldest_message_seconds", "state", "deferred")).isEqualTo(7230);
        deferred.clear();
        assertThat(scrape(m).value("facteur_queue_messages", "state", "deferred")).as("the queue emptied").isZero();
    }

    @Test
    void theCertificatesExpiryIsTheSecondsLeftByItsFirstDnsNameAndARenewalIsSeen() throws Exception {
        Metrics m = Metrics.prometheus(clock);
        Path file = dir.resolve("cert.pem");
        var first = TestCertificates.selfSigned(List.of("mx.facteur.test", "smtp.facteur.test"), clock.instant().minus(Duration.ofDays(80)),
                clock.instant().plus(Duration.ofDays(10)));
        TestCertificates.writeChain(file, first.certificate());
        Files.setLastModifiedTime(file, FileTime.from(Instant.parse("2026-06-01T00:00:00Z")));
        m.certificates(List.of(file));
        long notAfter = first.certificate().getNotAfter().toInstant().getEpochSecond();
        assertThat(scrape(m).value("facteur_tls_certificate_expiry_seconds", "name", "mx.facteur.test"))
                .isEqualTo(notAfter - clock.instant().getEpochSecond());

        var renewed = TestCertificates.selfSigned(List.of("mail.facteur.test"), clock.instant(), clock.instant().plus(Duration.ofDays(90)));
        TestCertificates.writeChain(file, renewed.certificate());
        Files.setLastModifiedTime(file, FileTime.from(Instant.parse("2026-06-01T12:00:00Z")));
        var text = scrape(m);
        assertThat(text.find("facteur_tls_certificate_expiry_seconds")).singleElement()
                .satisfies(s -> assertThat(s.labels()).containsEntry("name", "mail.facteur.test"));
        assertThat(text.value("facteur_tls_certificate_expiry_seconds")).isEqualTo(Duration.ofDays(90).toSeconds());
    }

    @Test
    void certificatesNamedAgainReplaceTheOnesBefore() throws Exception { // a reload naming other files
        Metrics m = Metrics.prometheus(clock);
        Path old = dir.resolve("old.pem");
        Path next = dir.resolve("new.pem");
        TestCertificates.writeChain(old, TestCertificates.selfSigned(List.of("old.facteur.test"), clock.instant(),
                clock.instant().plus(Duration.ofDays(5))).certificate());
        TestCertificates.writeChain(next, TestCertificates.selfSigned(List.of("new.facteur.test"), clock.instant(),
                clock.instant().plus(Duration.ofDays(90))).certificate());
        m.certificates(List.of(old));
        assertThat(scrape(m).find("facteur_tls_certificate_expiry_seconds")).singleElement()
                .satisfies(s -> assertThat(s.labels()).containsEntry("name", "old.facteur.test"));

        m.certificates(List.of(next));
        var text = scrape(m);
        assertThat(text.find("facteur_tls_certificate_expiry_seconds")).singleElement()
                .satisfies(s -> assertThat(s.labels()).containsEntry("name", "new.facteur.test"));
        assertThat(text.value("facteur_tls_certificate_expiry_seconds")).isEqualTo(Duration.ofDays(90).toSeconds());

        m.certificates(List.of());
        assertThat(scrape(m).find("facteur_tls_certificate_expiry_seconds")).as("TLS taken out of the configuration").isEmpty();
    }

    @Test
    void anUnreadableCertificateIsLeftOutAndTheScrapeGoesOn() throws Exception {
        Metrics m = Metrics.prometheus(clock);
        Path file = Files.writeString(dir.resolve("cert.pem"), "not a certificate");
        m.certificates(List.of(file));
        var text = scrape(m);
        assertThat(text.find("facteur_tls_certificate_expiry_seconds")).isEmpty();
        assertThat(text.names()).contains("facteur_delivery_retries_total");
    }

    @Test
    void theDataDirectorysFreeBytesAreTheDisksRoomForUs() throws Exception {
        Metrics m = Metrics.prometheus(clock);
        m.dataDirectory(dir);
        assertThat(scrape(m).value("facteur_data_dir_free_bytes")).isCloseTo(Files.getFileStore(dir).getUsableSpace(),
                within(64.0 * 1024 * 1024)); // other tests write meanwhile
    }

    @Test
    void noneKeepsNothingAndServesNothing() {
        SmtpMetrics smtp = Metrics.NONE.smtp("smtp");
        smtp.connected();
        smtp.refused(550, "5.1.1", "No such user");
        Metrics.NONE.delivery().recipient(DeliveryMetrics.Outcome.DELIVERED, "example.org");
        Metrics.NONE.queue(tally -> {
            throw new AssertionError("NONE counts no queue");
        });
        assertThat(Metrics.NONE.enabled()).isFalse();
        assertThat(Metrics.NONE.scrape()).isEmpty();
    }
}
