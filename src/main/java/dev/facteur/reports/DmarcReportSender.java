package dev.facteur.reports;

import dev.facteur.auth.dmarc.AggregateReport;
import dev.facteur.auth.dmarc.DmarcRecord;
import dev.facteur.auth.dmarc.PolicyPublished;
import dev.facteur.auth.dmarc.ReportDestinations;
import dev.facteur.auth.dmarc.ReportDestinations.Destination;
import dev.facteur.auth.dmarc.ReportMessage;
import dev.facteur.auth.dmarc.ReportMetadata;
import dev.facteur.auth.dmarc.ReportRecord;
import dev.facteur.auth.dmarc.ReportRow;
import dev.facteur.auth.dmarc.ReportUri;
import dev.facteur.message.Mailbox;
import dev.facteur.reports.PeriodicReports.Schedule;
import dev.facteur.store.DmarcReportStore;
import dev.facteur.store.DmarcReportStore.Period;
import dev.facteur.store.DmarcReportStore.Taken;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the aggregate reports (RFC 7489 §7.2, RFC 9990) of every period that has ended: takes its
 * rows from the store (one node gets them), builds the report with the policy as last seen in the
 * period, verifies each {@code rua} destination (RFC 7489 §7.1: an address outside the Policy
 * Domain's organization must have agreed in DNS), and queues one email per address, which the
 * queue signs and delivers as any other. One log line per report says what became of it.
 *
 * <p>It runs as {@link PeriodicReports} says, at each period's end and a little after
 * ({@code grace}: a tenth of the period, at most five minutes), and once at start. A destination
 * whose verification met a DNS failure is verified again at the following runs (every ten minutes
 * at most), for one more period, with the same report (RFC 9990 §3 step 5); that is kept in this
 * node's memory only.
 */
public final class DmarcReportSender implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger("facteur.dmarc");
    private static final Duration MAX_GRACE = Duration.ofMinutes(5);
    private static final Duration MAX_RETRY_EVERY = Duration.ofMinutes(10);

    /** Where reports go out: the queue ({@code QueueManager.submit}) in production. */
    @FunctionalInterface
    public interface Outbox {
        void submit(Mailbox sender, Mailbox recipient, byte[] content) throws IOException;
    }

    /**
     * What became of one period's report.
     *
     * @param rows     the rows in it (0: no report, see {@code notSent})
     * @param messages the messages they count
     * @param sentTo   the addresses it was queued for
     * @param notSent  the addresses it was not queued for, or why there was no report, with the reason
     */
    public record Report(Period period, int rows, long messages, List<String> sentTo, List<String> notSent) {}

    private record Retry(AggregateReport report, byte[] gzipped, ReportUri uri, Instant until) {}

    private final DmarcReportStore store;
    private final ReportDestinations destinations;
    private final Outbox outbox;
    private final DmarcReportSettings settings;
    private final ReportMessage.Sender sender;
    private final Mailbox from;
    private final PeriodicReports<Period, Retry> reports;

    public DmarcReportSender(DmarcReportStore store, ReportDestinations destinations, Outbox outbox, DmarcReportSettings settings,
            Clock clock) {
        this.store = store;
        this.destinations = destinations;
        this.outbox = outbox;
        this.settings = settings;
        this.sender = new ReportMessage.Sender(settings.from(), settings.submitter());
        this.from = mailbox(settings.from());
        Duration interval = settings.interval();
        var schedule = new Schedule(interval, min(interval.dividedBy(10), MAX_GRACE), min(interval, MAX_RETRY_EVERY));
        this.reports = new PeriodicReports<>("dmarc", log, schedule, clock, DmarcReportSender::describe);
    }

    /** Runs now (periods that ended while Facteur was down), then at each period's end, on a virtual thread. */
    public void start() {
        reports.start(this::runOnce);
    }

    /**
     * Sends the reports of the periods that ended a {@code grace} ago or more, and verifies again
     * the destinations whose DNS failed before. What became of each report, as also logged.
     */
    public List<Report> runOnce() {
        return reports.runOnce(store, this::retry, this::send);
    }

    private Report send(Taken taken, Instant now) {
        Period p = taken.period();
        DmarcRecord record;
        try {
            record = StoredPolicy.read(taken.policy());
        } catch (IllegalArgumentException e) {
            return logged(new Report(p, 0, 0, List.of(), List.of("no report: " + e.getMessage())), taken.leftOut());
        }
        List<ReportRow> rows = new ArrayList<>();
        long unreadable = 0;
        for (Map.Entry<String, Long> e : taken.rows().entrySet()) {
            try {
                rows.add(new ReportRow(StoredRow.read(e.getKey()), e.getValue()));
            } catch (IllegalArgumentException | ArithmeticException bad) {
                unreadable += e.getValue();
            }
        }
        long leftOut = taken.leftOut() + unreadable;
        if (rows.isEmpty()) return logged(new Report(p, 0, 0, List.of(), List.of("no report: no row reads back")), leftOut);
        rows.sort(Comparator.comparingLong((ReportRow r) -> r.count()).reversed().thenComparing(r -> address(r.record())));
        var metadata = new ReportMetadata(settings.orgName(), settings.from(), Optional.empty(),
                ReportMetadata.reportId(p.policyDomain(), p.begin(), settings.submitter()), p.begin(), p.end().minusSeconds(1));
        var report = new AggregateReport(metadata, PolicyPublished.of(p.policyDomain(), record), rows);
        byte[] gzipped = report.toGzip();
        List<String> sentTo = new ArrayList<>(), notSent = new ArrayList<>();
        List<Destination> verified = ReportDestinations.bySize(destinations.verify(p.policyDomain(), record.rua()), gzipped.length);
        deliver(report, gzipped, verified, now, now.plus(settings.interval()), sentTo, notSent);
        return logged(new Report(p, rows.size(), rows.stream().mapToLong(row -> row.count()).sum(), sentTo, notSent), leftOut);
    }

    /** Queues the report for each {@code Send}; keeps each {@code Later} for the next runs until {@code until}. */
    private void deliver(AggregateReport report, byte[] gzipped, List<Destination> verified, Instant now, Instant until,
            List<String> sentTo, List<String> notSent) {
        for (Destination d : verified) {
            switch (d) {
                case Destination.Send s -> {
                    try {
                        outbox.submit(from, mailbox(s.address()), ReportMessage.compose(sender, s.address(), report, gzipped, now));
                        sentTo.add(s.address());
                    } catch (IOException | RuntimeException e) {
                        notSent.add(s.address() + " (" + e.getMessage() + ")");
                    }
                }
                case Destination.Skip k -> notSent.add(k.uri().uri() + " (" + k.reason() + ")");
                case Destination.Later l -> {
                    if (reports.keep(new Retry(report, gzipped, l.uri(), until)))
                        notSent.add(l.uri().uri() + " (" + l.reason() + "; verifying again later)");
                    else notSent.add(l.uri().uri() + " (" + l.reason() + "; too many reports wait already)");
                }
            }
        }
    }

    /** Verifies again the destinations whose DNS failed; a report waits one more period at most. */
    private List<Report> retry(Instant now) {
        List<Report> out = new ArrayList<>();
        for (Retry r : reports.takeWaiting()) {
            AggregateReport report = r.report();
            String domain = report.policy().domain();
            List<String> sentTo = new ArrayList<>(), notSent = new ArrayList<>();
            List<Destination> verified = ReportDestinations.bySize(destinations.verify(domain, List.of(r.uri())), r.gzipped().length);
            if (verified.stream().anyMatch(d -> d instanceof Destination.Later) && now.isAfter(r.until())) {
                notSent.add(r.uri().uri() + " (DNS still fails; the report is too old to keep)");
            } else {
                deliver(report, r.gzipped(), verified, now, r.until(), sentTo, notSent);
            }
            var m = report.metadata();
            out.add(logged(new Report(new Period(domain, m.begin(), m.end().plusSeconds(1)), report.rows().size(),
                    report.rows().stream().mapToLong(row -> row.count()).sum(), sentTo, notSent), 0));
        }
        return out;
    }

    private static Report logged(Report r, long leftOut) {
        var line = new StringBuilder("dmarc report for ").append(describe(r.period())).append(": ")
                .append(r.rows()).append(r.rows() == 1 ? " row, " : " rows, ").append(r.messages())
                .append(r.messages() == 1 ? " message" : " messages");
        if (leftOut > 0) line.append(" (").append(leftOut).append(" more left out: max_records)");
        if (!r.sentTo().isEmpty()) line.append(", sent to ").append(String.join(", ", r.sentTo()));
        if (!r.notSent().isEmpty()) line.append("; not sent to ").append(String.join("; ", r.notSent()));
        if (r.sentTo().isEmpty() && r.notSent().isEmpty()) line.append("; no rua address to send to");
        if (r.sentTo().isEmpty()) log.warn("{}", line);
        else log.info("{}", line);
        return r;
    }

    /** {@code example.com (period 2026-11-28T00:00:00Z to 2026-11-29T00:00:00Z)}: a period in the log lines. */
    private static String describe(Period p) {
        return p.policyDomain() + " (period " + p.begin() + " to " + p.end() + ")";
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) < 0 ? a : b;
    }

    private static String address(ReportRecord r) {
        return r.sourceIp().getHostAddress();
    }

    private static Mailbox mailbox(String address) {
        int at = address.lastIndexOf('@');
        return new Mailbox(address.substring(0, at), address.substring(at + 1));
    }

    /** Stops; a run under way finishes first (it is never interrupted in the middle of writing to the spool). */
    @Override
    public void close() {
        reports.close();
    }
}
