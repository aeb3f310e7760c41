package dev.facteur.reports.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.facteur.dns.TxtAnswer;
import dev.facteur.message.Mailbox;
import dev.facteur.reports.tls.ReportPoster.Result;
import dev.facteur.reports.tls.TlsReportSender.Report;
import dev.facteur.store.Stores;
import dev.facteur.testing.FakeDnsResolver;
import dev.facteur.testing.ManualClock;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * TLS reports from the sessions delivery records to their receivers: counted per Policy Domain
 * and UTC day, sent once the day is over (and five minutes more) to the {@code rua} of the
 * domain's TLSRPT record, by email through the queue or by POST. DNS is a fake, the store the
 * embedded one, the time a clock the test moves, the queue a list and the HTTPS receiver a script
 * (HttpsReportClientIT has the real one).
 */
class TlsReportSenderTest {

    private static final Instant MORNING = Instant.parse("2026-11-28T10:00:00Z");
    private static final Instant MIDNIGHT = Instant.parse("2026-11-29T00:00:00Z");
    private static final Instant AFTER_GRACE = MIDNIGHT.plus(Duration.ofMinutes(5));
    private static final PolicyRef STS = PolicyRef.sts(List.of("version: STSv1", "mode: enforce", "mx: *.mx.example.com",
            "max_age: 604800"), List.of("*.mx.example.com"));
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    Path dir;

    private final ManualClock clock = ManualClock.at(MORNING);
    private final FakeDnsResolver dns = new FakeDnsResolver()
            .withTxt("_smtp._tls.example.com", "v=TLSRPTv1; rua=mailto:tlsrpt@reports.test,https://reports.test/v1/tlsrpt")
            .withTxt("_smtp._tls.quiet.test", "v=spf1 -all");
    private final TlsReportSettings settings = new TlsReportSettings(true, "Facteur Test", "postmaster@mx.facteur.test",
            "noreply-tlsrpt@mx.facteur.test", Duration.ofMinutes(5));
    private final List<Queued> queued = new CopyOnWriteArrayList<>();
    private final List<Posted> posted = new CopyOnWriteArrayList<>();
    /** What the receiver answers to the next POSTs; Accepted when empty. */
    private final Deque<Result> answers = new ArrayDeque<>();
    private Stores stores;
    private TlsReportRecorder recorder;
    private TlsReportSender sender;

    record Queued(Mailbox from, Mailbox to, String content) {}

    record Posted(URI target, byte[] body) {}

    @BeforeEach
    void open() {
        stores = Stores.embedded(dir);
        recorder = new StoredTlsReportRecorder(stores.tlsReports(), clock);
        sender = sender();
    }

    private TlsReportSender sender() {
        return new TlsReportSender(stores.tlsReports(), dns,
                (from, to, content) -> queued.add(new Queued(from, to, new String(content, StandardCharsets.US_ASCII))),
                (target, body) -> {
                    posted.add(new Posted(target, body));
                    synchronized (answers) {
                        return answers.isEmpty() ? new Result.Accepted(200) : answers.poll();
                    }
                }, settings, clock);
    }

    @AfterEach
    void close() {
        sender.close();
        stores.close();
    }

    private void expired(String domain) {
        recorder.failure(domain, STS, "mx1.mx.example.com", FailureType.CERTIFICATE_EXPIRED, "192.0.2.1", "198.51.100.25",
                "certificate expired 2026-11-20");
    }

    private JsonNode mailed() {
        assertThat(queued).hasSize(1);
        return TlsReportMail.read(queued.getFirst().content()).report();
    }

    private static JsonNode gunzipped(byte[] gz) throws IOException {
        try (var in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
            return JSON.readTree(in.readAllBytes());
        }
    }

    @Test
    void nothingGoesBeforeTheDayIsOverAndFiveMinutesMore() {
        recorder.success("example.com", STS, "mx1.mx.example.com");
        assertThat(sender.runOnce()).isEmpty();
        clock.set(MIDNIGHT.plus(Duration.ofMinutes(4)));
        assertThat(sender.runOnce()).as("a node whose clock is behind may still count").isEmpty();
        clock.set(AFTER_GRACE);
        assertThat(sender.runOnce()).hasSize(1);
    }

    @Test
    void theReportCountsSuccessesAndFailuresPerPolicyAndFailuresByKind() { // RFC 8460 §4.2, §4.4
        for (int i = 0; i < 3; i++) recorder.success("example.com", STS, "mx1.mx.example.com");
        expired("example.com");
        recorder.failure("example.com", STS, "mx1.mx.example.com", FailureType.CERTIFICATE_EXPIRED, "192.0.2.1", "198.51.100.25",
                "certificate expired 2026-11-21");
        recorder.failure("example.com", STS, "mx2.mx.example.com", FailureType.STARTTLS_NOT_SUPPORTED, "192.0.2.1", "198.51.100.26",
                null);
        clock.set(AFTER_GRACE);

        assertThat(sender.runOnce()).singleElement().satisfies(r -> {
            assertThat(r.sessions()).isEqualTo(6);
            assertThat(r.sentTo()).containsExactly("mailto:tlsrpt@reports.test", "https://reports.test/v1/tlsrpt");
            assertThat(r.notSent()).isEmpty();
        });
        JsonNode report = mailed();
        assertThat(report.get("organization-name").asString()).isEqualTo("Facteur Test");
        assertThat(report.get("contact-info").asString()).isEqualTo("postmaster@mx.facteur.test");
        assertThat(report.get("report-id").asString()).isEqualTo("2026-11-28.example.com@mx.facteur.test");
        assertThat(report.get("date-range").get("start-datetime").asString()).isEqualTo("2026-11-28T00:00:00Z");
        JsonNode policy = report.get("policies").get(0);
        assertThat(policy.get("policy").get("policy-domain").asString()).isEqualTo("example.com");
        assertThat(policy.get("policy").get("policy-type").asString()).isEqualTo("sts");
        assertThat(policy.get("summary").get("total-successful-session-count").asLong()).isEqualTo(3);
        assertThat(policy.get("summary").get("total-failure-session-count").asLong()).isEqualTo(3);
        JsonNode details = policy.get("failure-details");
        assertThat(details).hasSize(2);
        assertThat(details.get(0).get("result-type").asString()).isEqualTo("certificate-expired");
        assertThat(details.get(0).get("failed-session-count").asLong()).as("the same failure twice counts 2").isEqualTo(2);
        assertThat(details.get(0).get("failure-reason-code").asString()).as("the last reason seen")
                .isEqualTo("certificate expired 2026-11-21");
        assertThat(details.get(0).get("sending-mta-ip").asString()).isEqualTo("192.0.2.1");
        assertThat(details.get(0).get("receiving-ip").asString()).isEqualTo("198.51.100.25");
        assertThat(details.get(0).get("receiving-mx-hostname").asString()).isEqualTo("mx1.mx.example.com");
        assertThat(details.get(1).get("result-type").asString()).isEqualTo("starttls-not-supported");
        assertThat(details.get(1).has("failure-reason-code")).isFalse();
    }

    @Test
    void differentPoliciesOfOneDomainAreReportedApart() { // a policy changed during the day; a session without one
        PolicyRef testing = PolicyRef.sts(List.of("version: STSv1", "mode: testing", "mx: *.mx.example.com", "max_age: 86400"),
                List.of("*.mx.example.com"));
        recorder.success("example.com", STS, "mx1.mx.example.com");
        recorder.success("example.com", testing, "mx1.mx.example.com");
        recorder.success("example.com", testing, "mx1.mx.example.com");
        recorder.failure("example.com", PolicyRef.noPolicyFound(), null, FailureType.STS_POLICY_FETCH_ERROR, null, null, "HTTP 404");
        clock.set(AFTER_GRACE);
        sender.runOnce();
        JsonNode policies = mailed().get("policies");
        assertThat(policies).hasSize(3);
        assertThat(policies.get(0).get("summary").get("total-successful-session-count").asLong()).isEqualTo(2);
        assertThat(policies.get(0).get("policy").get("policy-string").get(1).asString()).as("most sessions first")
                .isEqualTo("mode: testing");
        JsonNode none = policies.get(1);
        assertThat(none.get("policy").get("policy-type").asString()).as("then by type").isEqualTo("no-policy-found");
        assertThat(policies.get(2).get("policy").get("policy-string").get(1).asString()).isEqualTo("mode: enforce");
        assertThat(none.get("failure-details").get(0).propertyNames()).containsExactlyInAnyOrder("result-type", "failed-session-count",
                "failure-reason-code");
    }

    @Test
    void aSessionJustBeforeMidnightAndOneJustAfterAreInTwoDaysReports() { // RFC 8460 §4.1: a UTC day
        clock.set(MIDNIGHT.minusMillis(1));
        expired("example.com");
        clock.set(MIDNIGHT);
        expired("example.com");
        expired("example.com");
        clock.set(AFTER_GRACE);
        assertThat(sender.runOnce()).singleElement().satisfies(r -> {
            assertThat(r.day().date()).isEqualTo(LocalDate.parse("2026-11-28"));
            assertThat(r.sessions()).isEqualTo(1);
        });
        clock.set(AFTER_GRACE.plus(Duration.ofDays(1)));
        assertThat(sender.runOnce()).singleElement().satisfies(r -> {
            assertThat(r.day().date()).isEqualTo(LocalDate.parse("2026-11-29"));
            assertThat(r.sessions()).isEqualTo(2);
        });
    }

    @Test
    void aReportByEmailGoesFromOurReportAddressThroughTheQueue() { // RFC 8460 §5.3
        expired("example.com");
        clock.set(AFTER_GRACE);
        sender.runOnce();
        assertThat(queued).singleElement().satisfies(q -> {
            assertThat(q.from()).isEqualTo(new Mailbox("noreply-tlsrpt", "mx.facteur.test"));
            assertThat(q.to()).isEqualTo(new Mailbox("tlsrpt", "reports.test"));
            var mail = TlsReportMail.read(q.content());
            assertThat(mail.message.field("TLS-Report-Domain")).isEqualTo("example.com");
            assertThat(mail.message.field("TLS-Report-Submitter")).isEqualTo("mx.facteur.test");
            assertThat(mail.part("application/tlsrpt+gzip").param("Content-Disposition", "filename"))
                    .isEqualTo("mx.facteur.test!example.com!1795824000!1795910399.json.gz");
        });
    }

    @Test
    void aReportByHttpsIsTheGzippedJsonPostedToTheUri() throws IOException { // RFC 8460 §5.4
        expired("example.com");
        clock.set(AFTER_GRACE);
        sender.runOnce();
        assertThat(posted).singleElement().satisfies(p -> assertThat(p.target()).isEqualTo(URI.create("https://reports.test/v1/tlsrpt")));
        JsonNode report = gunzipped(posted.getFirst().body());
        assertThat(report.get("report-id").asString()).isEqualTo("2026-11-28.example.com@mx.facteur.test");
        assertThat(report).isEqualTo(mailed());
    }

    @Test
    void aReportIsSentOnce() {
        expired("example.com");
        clock.set(AFTER_GRACE);
        sender.runOnce();
        assertThat(sender.runOnce()).isEmpty();
        assertThat(queued).hasSize(1);
        assertThat(posted).hasSize(1);
    }

    @Test
    void twoSendersSharingTheStoreSendEachReportOnce() { // two nodes
        expired("example.com");
        TlsReportSender other = sender();
        clock.set(AFTER_GRACE);
        assertThat(List.of(sender.runOnce(), other.runOnce())).filteredOn(l -> !l.isEmpty()).hasSize(1);
        assertThat(queued).hasSize(1);
    }

    @Test
    void aDomainWithoutATlsrptRecordGetsNothing() {
        expired("quiet.test");
        expired("nothing.test");
        clock.set(AFTER_GRACE);
        assertThat(sender.runOnce()).hasSize(2).allSatisfy(r -> {
            assertThat(r.sentTo()).isEmpty();
            assertThat(r.notSent()).singleElement().asString().startsWith("no report: no");
        });
        assertThat(queued).isEmpty();
        assertThat(posted).isEmpty();
        assertThat(sender.runOnce()).as("nothing is kept for later").isEmpty();
    }

    @Test
    void aTlsrptLookupThatFailsForNowIsMadeAgainAtTheNextRuns() {
        dns.withTxt("_smtp._tls.example.com", new TxtAnswer.TempFail("SERVFAIL"));
        expired("example.com");
        clock.set(AFTER_GRACE);
        assertThat(sender.runOnce()).singleElement().satisfies(r -> assertThat(r.notSent()).singleElement().asString()
                .contains("SERVFAIL", "trying again later"));
        assertThat(queued).isEmpty();

        dns.withTxt("_smtp._tls.example.com", "v=TLSRPTv1; rua=mailto:tlsrpt@reports.test");
        clock.advance(TlsReportSender.RETRY_EVERY);
        assertThat(sender.runOnce()).singleElement().satisfies(r -> assertThat(r.sentTo()).containsExactly("mailto:tlsrpt@reports.test"));
        assertThat(mailed().get("report-id").asString()).isEqualTo("2026-11-28.example.com@mx.facteur.test");
        assertThat(sender.runOnce()).isEmpty();
    }

    @Test
    void aPostThatFailsForNowIsMadeAgainAndOnlyThatOne() {
        answers.add(new Result.Failed("HTTP 503"));
        expired("example.com");
        clock.set(AFTER_GRACE);
        assertThat(sender.runOnce()).singleElement().satisfies(r -> {
            assertThat(r.sentTo()).containsExactly("mailto:tlsrpt@reports.test");
            assertThat(r.notSent()).containsExactly("https://reports.test/v1/tlsrpt (HTTP 503; trying again later)");
        });
        clock.advance(TlsReportSender.RETRY_EVERY);
        assertThat(sender.runOnce()).singleElement()
                .satisfies(r -> assertThat(r.sentTo()).containsExactly("https://reports.test/v1/tlsrpt"));
        assertThat(posted).hasSize(2);
        assertThat(posted.get(1).body()).isEqualTo(posted.get(0).body());
        assertThat(queued).as("the email went the first time").hasSize(1);
        assertThat(sender.runOnce()).isEmpty();
    }

    @Test
    void aPostThatKeepsFailingIsGivenUpAfterADay() {
        for (int i = 0; i < 500; i++) answers.add(new Result.Failed("connection refused"));
        expired("example.com");
        clock.set(AFTER_GRACE);
        sender.runOnce();
        clock.advance(Duration.ofHours(12));
        assertThat(sender.runOnce()).singleElement().satisfies(r -> assertThat(r.notSent()).singleElement().asString().contains("later"));
        clock.advance(Duration.ofHours(13));
        assertThat(sender.runOnce()).singleElement().satisfies(r -> assertThat(r.notSent()).singleElement().asString().contains("gave up"));
        assertThat(sender.runOnce()).isEmpty();
        assertThat(posted).hasSize(2);
    }

    @Test
    void aRefusedPostIsNotMadeAgain() {
        answers.add(new Result.Refused("HTTP 301 Moved Permanently (redirects are not followed)"));
        expired("example.com");
        clock.set(AFTER_GRACE);
        assertThat(sender.runOnce()).singleElement().satisfies(r -> assertThat(r.notSent()).singleElement().asString()
                .contains("redirects are not followed"));
        clock.advance(TlsReportSender.RETRY_EVERY);
        assertThat(sender.runOnce()).isEmpty();
        assertThat(posted).hasSize(1);
    }

    @Test
    void urisThatCannotBeUsedAreSaidAndTheOthersStillGetTheReport() {
        dns.withTxt("_smtp._tls.example.com", "v=TLSRPTv1; rua=http://reports.test/plain,mailto:tlsrpt@reports.test");
        expired("example.com");
        clock.set(AFTER_GRACE);
        assertThat(sender.runOnce()).singleElement().satisfies(r -> {
            assertThat(r.sentTo()).containsExactly("mailto:tlsrpt@reports.test");
            assertThat(r.notSent()).singleElement().asString().startsWith("http://reports.test/plain (only mailto: and https:");
        });
    }

    @Test
    void policyDomainsHaveReportsOfTheirOwn() {
        dns.withTxt("_smtp._tls.other.test", "v=TLSRPTv1; rua=mailto:tls@other.test");
        expired("example.com");
        recorder.success("other.test", PolicyRef.noPolicyFound(), "mx.other.test");
        clock.set(AFTER_GRACE);
        assertThat(sender.runOnce()).extracting(r -> r.day().policyDomain()).containsExactlyInAnyOrder("example.com", "other.test");
        assertThat(queued).extracting(q -> q.to().toString()).containsExactlyInAnyOrder("tlsrpt@reports.test", "tls@other.test");
    }

    @Test
    void theRecorderWritesNamesAndAddressesOneWay() {
        recorder.failure("Example.COM.", STS, "MX1.mx.example.com.", FailureType.VALIDATION_FAILURE, "2001:DB8:0:0:0:0:0:1",
                "2001:db8::25", "handshake\r\nfailure\tfatal");
        recorder.failure("example.com", STS, "mx1.mx.example.com", FailureType.VALIDATION_FAILURE, "2001:db8::1", "2001:0db8::0025",
                "handshake failure fatal");
        clock.set(AFTER_GRACE);
        sender.runOnce();
        JsonNode detail = mailed().get("policies").get(0).get("failure-details").get(0);
        assertThat(detail.get("failed-session-count").asLong()).isEqualTo(2);
        assertThat(detail.get("sending-mta-ip").asString()).as("RFC 5952").isEqualTo("2001:db8::1");
        assertThat(detail.get("receiving-mx-hostname").asString()).isEqualTo("mx1.mx.example.com");
        assertThat(detail.get("failure-reason-code").asString()).isEqualTo("handshake failure fatal");
    }

    @Test
    void whatIsNoDomainOrNoAddressIsDroppedOrLeftOut() {
        assertThatCode(() -> recorder.success("not a domain", STS, "mx")).doesNotThrowAnyException();
        recorder.failure("example.com", STS, "mx1.mx.example.com", FailureType.VALIDATION_FAILURE, "not-an-ip", "", "x".repeat(500));
        clock.set(AFTER_GRACE);
        assertThat(sender.runOnce()).singleElement().satisfies(r -> assertThat(r.day().policyDomain()).isEqualTo("example.com"));
        JsonNode detail = mailed().get("policies").get(0).get("failure-details").get(0);
        assertThat(detail.has("sending-mta-ip")).isFalse();
        assertThat(detail.has("receiving-ip")).isFalse();
        assertThat(detail.get("failure-reason-code").asString()).hasSize(StoredTlsReportRecorder.MAX_DETAIL);
    }

    @Test
    void aStoreThatFailsDropsTheSessionWithoutFailingDelivery() { // reports are best effort
        stores.close();
        assertThatCode(() -> expired("example.com")).doesNotThrowAnyException();
        assertThatCode(() -> recorder.success("example.com", STS, "mx1.mx.example.com")).doesNotThrowAnyException();
        clock.set(AFTER_GRACE);
        assertThat(sender.runOnce()).isEmpty();
    }

    @Test
    void anOutboxThatFailsIsSaid() {
        sender = new TlsReportSender(stores.tlsReports(), dns, (from, to, content) -> {
            throw new IOException("spool full");
        }, (target, body) -> new Result.Accepted(202), settings, clock);
        expired("example.com");
        clock.set(AFTER_GRACE);
        assertThat(sender.runOnce()).singleElement().satisfies(r -> {
            assertThat(r.sentTo()).containsExactly("https://reports.test/v1/tlsrpt");
            assertThat(r.notSent()).containsExactly("mailto:tlsrpt@reports.test (spool full)");
        });
    }

    @Test
    void noneRecordsNothing() {
        TlsReportRecorder.NONE.success("example.com", STS, "mx1.mx.example.com");
        TlsReportRecorder.NONE.failure("example.com", STS, "mx1.mx.example.com", FailureType.DANE_REQUIRED, null, null, null);
        clock.set(AFTER_GRACE);
        assertThat(sender.runOnce()).isEmpty();
    }
}
