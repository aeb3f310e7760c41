package dev.facteur.reports;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.facteur.auth.dmarc.AuthResults;
import dev.facteur.auth.dmarc.AuthResults.DkimAuth;
import dev.facteur.auth.dmarc.AuthResults.SpfAuth;
import dev.facteur.auth.dmarc.AuthResults.SpfScope;
import dev.facteur.auth.dmarc.DmarcEvaluator;
import dev.facteur.auth.dmarc.DmarcSettings;
import dev.facteur.auth.dmarc.DnsTreeWalk;
import dev.facteur.auth.dmarc.ReportDestinations;
import dev.facteur.dns.TxtAnswer;
import dev.facteur.message.Mailbox;
import dev.facteur.policy.check.DmarcCheck;
import dev.facteur.reports.DmarcReportSender.Report;
import dev.facteur.store.Stores;
import dev.facteur.testing.DmarcReportMail;
import dev.facteur.testing.FakeDnsResolver;
import dev.facteur.testing.ManualClock;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Aggregate reports from the DMARC check's evaluations to the queue: counted per Policy Domain
 * and UTC day, sent once the day is over (and five minutes more), to the {@code rua} addresses that
 * RFC 7489 §7.1 lets us send to. DNS is a fake, the store the embedded one, the time a clock the
 * test moves, and the queue a list.
 */
class DmarcReportSenderTest {

    private static final Instant MORNING = Instant.parse("2026-11-28T10:00:00Z");
    private static final Instant MIDNIGHT = Instant.parse("2026-11-29T00:00:00Z");
    private static final AuthResults GENUINE = AuthResults.of(new SpfAuth("example.com", SpfScope.MFROM, "pass"),
            new DkimAuth("example.com", "s1", "pass"));
    private static final AuthResults FORGED = AuthResults.of(new SpfAuth("forger.test", SpfScope.MFROM, "pass"));

    @TempDir
    Path dir;

    private final ManualClock clock = ManualClock.at(MORNING);
    private final FakeDnsResolver dns = new FakeDnsResolver()
            .withTxt("_dmarc.example.com", "v=DMARC1; p=reject; rua=mailto:dmarc@reports.test,mailto:postmaster@example.com")
            .withTxt("example.com._report._dmarc.reports.test", "v=DMARC1")
            .withTxt("_dmarc.quiet.test", "v=DMARC1; p=none");
    private final DmarcReportSettings settings = new DmarcReportSettings(true, "Facteur Test", "dmarc-reports@mx.facteur.test",
            Duration.ofDays(1), 100);
    private final List<Queued> queued = new CopyOnWriteArrayList<>();
    private Stores stores;
    private DmarcEvaluator evaluator;
    private DmarcReportRecorder recorder;
    private DmarcReportSender sender;

    record Queued(Mailbox from, Mailbox to, String content) {}

    @BeforeEach
    void open() throws IOException {
        stores = Stores.embedded(dir);
        evaluator = DmarcEvaluator.of(dns, DmarcSettings.DEFAULTS);
        recorder = new DmarcReportRecorder(stores.dmarcReports(), settings, DmarcCheck.OnReject.REJECT, clock);
        sender = sender(settings);
    }

    private DmarcReportSender sender(DmarcReportSettings s) {
        return new DmarcReportSender(stores.dmarcReports(), new ReportDestinations(dns, new DnsTreeWalk(dns), 2),
                (from, to, content) -> queued.add(new Queued(from, to, new String(content, StandardCharsets.US_ASCII))), s, clock);
    }

    @AfterEach
    void close() {
        sender.close();
        stores.close();
    }

    private void receive(String fromDomain, AuthResults auth, String client) {
        recorder.accept(new DmarcCheck.Evaluated(evaluator.evaluate(fromDomain, auth), InetAddress.ofLiteral(client),
                Optional.of(fromDomain), auth));
    }

    private List<DmarcReportMail> reportsTo(String address) {
        return queued.stream().filter(q -> q.to().toString().equals(address)).map(q -> DmarcReportMail.read(q.content())).toList();
    }

    @Test
    void nothingGoesBeforeTheDayIsOverAndFiveMinutesMore() {
        receive("example.com", GENUINE, "192.0.2.1");
        assertThat(sender.runOnce()).isEmpty();
        clock.set(MIDNIGHT.plus(Duration.ofMinutes(4)));
        assertThat(sender.runOnce()).as("a node whose clock is behind may still add").isEmpty();
        clock.set(MIDNIGHT.plus(Duration.ofMinutes(5)));
        assertThat(sender.runOnce()).hasSize(1);
    }

    @Test
    void theDaysReportCountsMessagesPerSourceAndDisposition() { // RFC 7489 §7.2, Appendix C
        for (int i = 0; i < 3; i++) receive("example.com", GENUINE, "192.0.2.1");
        receive("example.com", FORGED, "198.51.100.7");
        clock.set(MIDNIGHT.plus(Duration.ofMinutes(5)));

        List<Report> reports = sender.runOnce();

        assertThat(reports).singleElement().satisfies(r -> {
            assertThat(r.rows()).isEqualTo(2);
            assertThat(r.messages()).isEqualTo(4);
            assertThat(r.sentTo()).containsExactly("dmarc@reports.test", "postmaster@example.com");
        });
        DmarcReportMail report = reportsTo("dmarc@reports.test").getFirst();
        assertThat(report.records("row/source_ip", "row/count", "row/policy_evaluated/disposition", "row/policy_evaluated/dkim",
                "row/policy_evaluated/spf", "identifiers/header_from")).containsExactly(
                        List.of("192.0.2.1", "3", "none", "pass", "pass", "example.com"),
                        List.of("198.51.100.7", "1", "reject", "fail", "fail", "example.com"));
        assertThat(report.text("policy_published/domain")).isEqualTo("example.com");
        assertThat(report.text("policy_published/p")).isEqualTo("reject");
        assertThat(report.text("report_metadata/org_name")).isEqualTo("Facteur Test");
        assertThat(report.text("report_metadata/email")).isEqualTo("dmarc-reports@mx.facteur.test");
        assertThat(report.text("report_metadata/date_range/begin")).isEqualTo(Long.toString(MIDNIGHT.minus(Duration.ofDays(1)).getEpochSecond()));
        assertThat(report.text("report_metadata/date_range/end")).isEqualTo(Long.toString(MIDNIGHT.getEpochSecond() - 1));
        assertThat(report.fileName()).isEqualTo("mx.facteur.test!example.com!1795824000!1795910399.xml.gz");
        assertThat(queued).allSatisfy(q -> assertThat(q.from()).isEqualTo(new Mailbox("dmarc-reports", "mx.facteur.test")));
    }

    @Test
    void aReportIsSentOnce() {
        receive("example.com", GENUINE, "192.0.2.1");
        clock.set(MIDNIGHT.plus(Duration.ofMinutes(5)));
        sender.runOnce();
        assertThat(sender.runOnce()).isEmpty();
        assertThat(queued).hasSize(2);
    }

    @Test
    void twoSendersSharingTheStoreSendEachReportOnce() { // two nodes
        receive("example.com", GENUINE, "192.0.2.1");
        DmarcReportSender other = sender(settings);
        clock.set(MIDNIGHT.plus(Duration.ofMinutes(5)));
        assertThat(List.of(sender.runOnce(), other.runOnce())).filteredOn(l -> !l.isEmpty()).hasSize(1);
        assertThat(reportsTo("dmarc@reports.test")).hasSize(1);
    }

    @Test
    void anExternalDestinationThatDidNotAgreeGetsNothing() { // RFC 7489 §7.1
        dns.withTxt("_dmarc.example.com", "v=DMARC1; p=reject; rua=mailto:dmarc@stranger.test");
        receive("example.com", GENUINE, "192.0.2.1");
        clock.set(MIDNIGHT.plus(Duration.ofMinutes(5)));
        assertThat(sender.runOnce()).singleElement().satisfies(r -> {
            assertThat(r.sentTo()).isEmpty();
            assertThat(r.notSent()).singleElement().asString().contains("mailto:dmarc@stranger.test", "did not authorize");
        });
        assertThat(queued).isEmpty();
    }

    @Test
    void aDestinationWhoseDnsFailedIsVerifiedAgainAtTheNextRuns() { // RFC 9990 §3 step 5
        dns.withTxt("example.com._report._dmarc.reports.test", new TxtAnswer.TempFail("SERVFAIL"));
        receive("example.com", GENUINE, "192.0.2.1");
        clock.set(MIDNIGHT.plus(Duration.ofMinutes(5)));
        sender.runOnce();
        assertThat(reportsTo("postmaster@example.com")).as("same organization: no question").hasSize(1);
        assertThat(reportsTo("dmarc@reports.test")).isEmpty();

        dns.withTxt("example.com._report._dmarc.reports.test", "v=DMARC1");
        clock.advance(Duration.ofMinutes(10));
        assertThat(sender.runOnce()).singleElement().satisfies(r -> assertThat(r.sentTo()).containsExactly("dmarc@reports.test"));
        assertThat(reportsTo("dmarc@reports.test")).singleElement().satisfies(m -> assertThat(m.text("report_metadata/report_id"))
                .isEqualTo(reportsTo("postmaster@example.com").getFirst().text("report_metadata/report_id")));
        assertThat(sender.runOnce()).isEmpty();
    }

    @Test
    void aDestinationWhoseDnsKeepsFailingIsGivenUpAfterAPeriod() {
        dns.withTxt("example.com._report._dmarc.reports.test", new TxtAnswer.TempFail("SERVFAIL"));
        receive("example.com", GENUINE, "192.0.2.1");
        clock.set(MIDNIGHT.plus(Duration.ofMinutes(5)));
        sender.runOnce();
        clock.advance(Duration.ofHours(12));
        assertThat(sender.runOnce()).singleElement().satisfies(r -> assertThat(r.notSent()).singleElement().asString().contains("later"));
        clock.advance(Duration.ofHours(13));
        assertThat(sender.runOnce()).singleElement().satisfies(r -> assertThat(r.notSent()).singleElement().asString().contains("too old"));
        assertThat(sender.runOnce()).isEmpty();
    }

    @Test
    void policyDomainsAndDaysHaveReportsOfTheirOwn() {
        dns.withTxt("_dmarc.other.test", "v=DMARC1; p=none; rua=mailto:reports@other.test");
        receive("example.com", GENUINE, "192.0.2.1");
        receive("other.test", FORGED, "192.0.2.1");
        clock.set(MIDNIGHT.plus(Duration.ofHours(1)));
        receive("example.com", GENUINE, "192.0.2.9");
        assertThat(sender.runOnce()).extracting(r -> r.period().policyDomain()).containsExactlyInAnyOrder("example.com", "other.test");
        assertThat(reportsTo("reports@other.test")).singleElement()
                .satisfies(m -> assertThat(m.records("row/policy_evaluated/disposition")).containsExactly(List.of("none")));
        clock.set(MIDNIGHT.plus(Duration.ofDays(1)).plus(Duration.ofMinutes(5)));
        assertThat(sender.runOnce()).singleElement().satisfies(r -> assertThat(r.period().begin()).isEqualTo(MIDNIGHT));
    }

    @Test
    void mailWithoutAPolicyOrWithoutRuaIsNotRecorded() {
        receive("quiet.test", GENUINE, "192.0.2.1"); // p=none, no rua: nobody to tell
        receive("nodmarc.test", GENUINE, "192.0.2.1"); // no record at all
        clock.set(MIDNIGHT.plus(Duration.ofMinutes(5)));
        assertThat(sender.runOnce()).isEmpty();
    }

    @Test
    void aRejectSoftenedHereIsReportedAsAppliedWithTheReasonLocalPolicy() { // RFC 7489 §7.2.1 "reason"
        recorder = new DmarcReportRecorder(stores.dmarcReports(), settings, DmarcCheck.OnReject.TAG, clock);
        receive("example.com", FORGED, "198.51.100.7");
        clock.set(MIDNIGHT.plus(Duration.ofMinutes(5)));
        sender.runOnce();
        assertThat(reportsTo("dmarc@reports.test").getFirst().records("row/policy_evaluated/disposition",
                "row/policy_evaluated/reason/type", "row/policy_evaluated/reason/comment"))
                .containsExactly(List.of("none", "local_policy", "on_reject = tag"));
    }

    @Test
    void aStoreThatFailsDropsTheRecordWithoutFailingTheSession() { // reports are best effort
        stores.close();
        assertThatCode(() -> receive("example.com", GENUINE, "192.0.2.1")).doesNotThrowAnyException();
        clock.set(MIDNIGHT.plus(Duration.ofMinutes(5)));
        assertThat(sender.runOnce()).isEmpty();
    }

    @Test
    void aShorterIntervalCutsShorterPeriodsAlignedOnTheDay() {
        sender = sender(new DmarcReportSettings(true, "Facteur Test", "dmarc-reports@mx.facteur.test", Duration.ofMinutes(1), 100));
        recorder = new DmarcReportRecorder(stores.dmarcReports(),
                new DmarcReportSettings(true, "Facteur Test", "dmarc-reports@mx.facteur.test", Duration.ofMinutes(1), 100),
                DmarcCheck.OnReject.REJECT, clock);
        clock.set(MORNING.plusSeconds(30));
        receive("example.com", GENUINE, "192.0.2.1");
        clock.set(MORNING.plusSeconds(65));
        assertThat(sender.runOnce()).as("grace: a tenth of the period").isEmpty();
        clock.set(MORNING.plusSeconds(66));
        assertThat(sender.runOnce()).singleElement().satisfies(r -> {
            assertThat(r.period().begin()).isEqualTo(MORNING);
            assertThat(r.period().end()).isEqualTo(MORNING.plusSeconds(60));
        });
    }
}
