package dev.facteur.reports.tls;

import dev.facteur.message.Mailbox;
import dev.facteur.reports.PeriodicReports;
import dev.facteur.reports.PeriodicReports.Schedule;
import dev.facteur.reports.tls.ReportPoster.Result;
import dev.facteur.reports.tls.SessionRow.Failure;
import dev.facteur.reports.tls.TlsReport.FailureDetail;
import dev.facteur.reports.tls.TlsReport.PolicyResult;
import dev.facteur.reports.tls.TlsRptRecord.Lookup;
import dev.facteur.reports.tls.TlsRptRecord.Rua;
import dev.facteur.dns.DnsResolver;
import dev.facteur.store.TlsReportStore;
import dev.facteur.store.TlsReportStore.Day;
import dev.facteur.store.TlsReportStore.Row;
import dev.facteur.store.TlsReportStore.Taken;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the TLS reports (RFC 8460) of every day that has ended: takes each Policy Domain's rows
 * from the store (one node gets them), builds the report (§4.4), looks up the domain's TLSRPT
 * record now (§3), and sends the gzipped report to each {@code rua}: an email queued for each
 * {@code mailto:} (§5.3; the queue signs and delivers it as any other), a POST to each
 * {@code https:} (§5.4). One log line on {@code facteur.tlsrpt} per report says what became of it.
 *
 * <p>It runs as {@link PeriodicReports} says: once a day, {@code grace} after midnight UTC, and once
 * at start. When the TLSRPT lookup fails for now (DNS), or a POST gets no answer or a 5xx, that
 * part is tried again every ten minutes for a day, from this node's memory.
 */
public final class TlsReportSender implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger("facteur.tlsrpt");
    static final Duration RETRY_EVERY = Duration.ofMinutes(10);
    private static final Duration RETRY_FOR = Duration.ofDays(1);
    /** RFC 8460 §4.1: a report covers a UTC day. */
    private static final Duration DAY = Duration.ofDays(1);

    /** Where emailed reports go out: the queue ({@code QueueManager.submit}) in production. */
    @FunctionalInterface
    public interface Outbox {
        void submit(Mailbox sender, Mailbox recipient, byte[] content) throws IOException;
    }

    /**
     * What became of one day's report for one domain.
     *
     * @param sessions the sessions it counts (0: no report, see {@code notSent})
     * @param sentTo   the {@code rua} URIs it went to (queued, or POSTed and accepted)
     * @param notSent  the URIs it did not go to, or why there was no report, each with the reason
     */
    public record Report(Day day, long sessions, List<String> sentTo, List<String> notSent) {
        public Report {
            sentTo = List.copyOf(sentTo);
            notSent = List.copyOf(notSent);
        }
    }

    /** A report to try again: its whole delivery ({@code posts} empty: the lookup failed), or these POSTs. */
    private record Pending(Day day, TlsReport report, byte[] gzipped, Optional<List<Rua.Https>> posts, Instant until) {}

    private final TlsReportStore store;
    private final DnsResolver dns;
    private final Outbox outbox;
    private final ReportPoster poster;
    private final TlsReportSettings settings;
    private final Clock clock;
    private final TlsReportMessage.Sender sender;
    private final Mailbox from;
    private final PeriodicReports<Day, Pending> reports;

    public TlsReportSender(TlsReportStore store, DnsResolver dns, Outbox outbox, ReportPoster poster, TlsReportSettings settings,
            Clock clock) {
        this.store = store;
        this.dns = dns;
        this.outbox = outbox;
        this.poster = poster;
        this.settings = settings;
        this.clock = clock;
        this.sender = new TlsReportMessage.Sender(settings.from(), settings.submitter());
        this.from = mailbox(settings.from());
        this.reports = new PeriodicReports<>("tls", log, new Schedule(DAY, settings.grace(), RETRY_EVERY), clock,
                TlsReportSender::describe);
    }

    /** Runs now (days that ended while Facteur was down), then each day after midnight UTC, on a virtual thread. */
    public void start() {
        reports.start(this::runOnce);
    }

    /**
     * Sends the reports of the days that ended a {@code grace} ago or more, and tries again what
     * failed for now before. What became of each report, as also logged.
     */
    public List<Report> runOnce() {
        return reports.runOnce(store, this::retry, this::send);
    }

    private Report send(Taken taken, Instant now) {
        Day day = taken.day();
        Assembled a = assemble(taken);
        long leftOut = taken.leftOut() + a.unreadable();
        if (a.report().policies().isEmpty()) return logged(new Report(day, 0, List.of(), List.of("no report: no row reads back")), leftOut);
        byte[] gzipped = a.report().toGzip();
        List<String> sentTo = new ArrayList<>(), notSent = new ArrayList<>();
        deliver(day, a.report(), gzipped, now.plus(RETRY_FOR), sentTo, notSent);
        return logged(new Report(day, a.report().sessions(), sentTo, notSent), leftOut);
    }

    /** A day's report, and the sessions of the rows that did not read back. */
    private record Assembled(TlsReport report, long unreadable) {}

    /** The report of a day's rows: per policy, its successes and its failures by kind. */
    private Assembled assemble(Taken taken) {
        record Counts(long[] successes, List<FailureDetail> failures) {}
        Map<PolicyRef, Counts> byPolicy = new LinkedHashMap<>();
        long unreadable = 0;
        for (Map.Entry<String, Row> e : taken.rows().entrySet()) {
            SessionRow row;
            try {
                row = SessionRow.read(e.getKey());
            } catch (IllegalArgumentException bad) {
                unreadable += e.getValue().sessions();
                continue;
            }
            Counts c = byPolicy.computeIfAbsent(row.policy(), p -> new Counts(new long[1], new ArrayList<>()));
            if (row.failure().isEmpty()) {
                c.successes()[0] += e.getValue().sessions();
            } else {
                Failure f = row.failure().get();
                String note = e.getValue().note();
                c.failures().add(new FailureDetail(f.type(), f.sendingIp(), f.receivingMx(), f.receivingIp(), e.getValue().sessions(),
                        note.isEmpty() ? Optional.empty() : Optional.of(note)));
            }
        }
        List<PolicyResult> policies = new ArrayList<>();
        byPolicy.forEach((policy, c) -> {
            List<FailureDetail> failures = new ArrayList<>(c.failures());
            failures.sort(Comparator.comparingLong(FailureDetail::sessions).reversed().thenComparing(f -> f.type().token())
                    .thenComparing(f -> f.receivingMx().orElse("")).thenComparing(f -> f.receivingIp().orElse(""))
                    .thenComparing(f -> f.sendingIp().orElse("")));
            policies.add(new PolicyResult(policy, c.successes()[0], failures));
        });
        policies.sort(Comparator.comparingLong((PolicyResult p) -> p.successes() + p.failedSessions()).reversed()
                .thenComparing(p -> p.policy().type().token()).thenComparing(p -> String.join("\n", p.policy().strings())));
        Day day = taken.day();
        return new Assembled(new TlsReport(settings.organization(), settings.contact(),
                TlsReport.reportId(day.date(), day.policyDomain(), settings.submitter()), day.policyDomain(), day.date(), policies),
                unreadable);
    }

    /** Looks up where the report goes, and sends it there; keeps what failed for now until {@code until}. */
    private void deliver(Day day, TlsReport report, byte[] gzipped, Instant until, List<String> sentTo, List<String> notSent) {
        switch (TlsRptRecord.lookup(dns, day.policyDomain())) {
            case Lookup.None(String why) -> notSent.add("no report: " + why);
            case Lookup.TempFail(String reason) -> {
                String when = later(new Pending(day, report, gzipped, Optional.empty(), until));
                notSent.add("no report yet: TLSRPT record: " + reason + "; " + when);
            }
            case Lookup.Found(TlsRptRecord record) -> {
                Map<Rua.Https, String> failed = new LinkedHashMap<>();
                for (Rua rua : record.rua()) {
                    switch (rua) {
                        case Rua.Mailto m -> {
                            try {
                                outbox.submit(from, m.address(), TlsReportMessage.compose(sender, m.address().toString(), report, gzipped,
                                        clock.instant()));
                                sentTo.add(m.uri());
                            } catch (IOException | RuntimeException e) {
                                notSent.add(m.uri() + " (" + e.getMessage() + ")");
                            }
                        }
                        case Rua.Https h -> post(h, gzipped, sentTo, notSent, failed);
                    }
                }
                notSent.addAll(record.skipped());
                postsFailed(new Pending(day, report, gzipped, Optional.of(List.copyOf(failed.keySet())), until), failed, notSent);
            }
        }
    }

    /** POSTs the report to {@code h}: accepted, refused, or failed for now (then in {@code failed}, with why). */
    private void post(Rua.Https h, byte[] gzipped, List<String> sentTo, List<String> notSent, Map<Rua.Https, String> failed) {
        switch (poster.post(h.target(), gzipped)) {
            case Result.Accepted a -> sentTo.add(h.uri());
            case Result.Refused(String why) -> notSent.add(h.uri() + " (" + why + ")");
            case Result.Failed(String why) -> failed.put(h, why);
        }
    }

    /** Keeps the POSTs that failed for now, if any, for the next runs, and says so. */
    private void postsFailed(Pending p, Map<Rua.Https, String> failed, List<String> notSent) {
        if (failed.isEmpty()) return;
        String when = later(p);
        failed.forEach((h, why) -> notSent.add(h.uri() + " (" + why + "; " + when + ")"));
    }

    /** Keeps {@code p} for the next runs; what to say about it. */
    private String later(Pending p) {
        return reports.keep(p) ? "trying again later" : "too many reports wait already";
    }

    /** Tries again what failed for now; a report is given up a day after it first failed. */
    private List<Report> retry(Instant now) {
        List<Report> out = new ArrayList<>();
        for (Pending p : reports.takeWaiting()) {
            if (reports.closed()) {
                reports.keep(p);
                continue;
            }
            List<String> sentTo = new ArrayList<>(), notSent = new ArrayList<>();
            if (!now.isBefore(p.until())) {
                if (p.posts().isEmpty()) notSent.add("no report: gave up looking up the TLSRPT record after a day of failures");
                else p.posts().get().forEach(h -> notSent.add(h.uri() + " (gave up after a day of failures)"));
            } else if (p.posts().isEmpty()) {
                deliver(p.day(), p.report(), p.gzipped(), p.until(), sentTo, notSent);
            } else {
                Map<Rua.Https, String> failed = new LinkedHashMap<>();
                for (Rua.Https h : p.posts().get()) post(h, p.gzipped(), sentTo, notSent, failed);
                postsFailed(new Pending(p.day(), p.report(), p.gzipped(), Optional.of(List.copyOf(failed.keySet())), p.until()), failed,
                        notSent);
            }
            out.add(logged(new Report(p.day(), p.report().sessions(), sentTo, notSent), 0));
        }
        return out;
    }

    private static Report logged(Report r, long leftOut) {
        var line = new StringBuilder("tls report for ").append(describe(r.day())).append(": ")
                .append(r.sessions()).append(r.sessions() == 1 ? " session" : " sessions");
        if (leftOut > 0) line.append(" (").append(leftOut).append(" more left out)");
        if (!r.sentTo().isEmpty()) line.append(", sent to ").append(String.join(", ", r.sentTo()));
        // "no report..." says why there was nothing to send: a domain without a TLSRPT record is the common case, not a failure
        boolean noReport = r.notSent().stream().allMatch(s -> s.startsWith("no report"));
        if (!r.notSent().isEmpty()) line.append(noReport ? "; " : "; not sent to ").append(String.join("; ", r.notSent()));
        boolean failed = !noReport || r.notSent().stream().anyMatch(s -> s.startsWith("no report yet") || s.contains("gave up"));
        if (failed) log.warn("{}", line);
        else log.info("{}", line);
        return r;
    }

    /** {@code example.com (2026-11-28)}: a day in the log lines. */
    private static String describe(Day day) {
        return day.policyDomain() + " (" + day.date() + ")";
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
