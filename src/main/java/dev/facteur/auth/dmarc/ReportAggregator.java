package dev.facteur.auth.dmarc;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Collects report records per Policy Domain and period, in memory: a reference for the store
 * that keeps them across restarts. Periods are aligned on the epoch, so a one-day period is a
 * UTC day, as RFC 9990 §2.1.2 says reports typically cover. A report keeps the last policy seen
 * in its period (RFC 9990 §2.3 allows that).
 */
public final class ReportAggregator {

    /** A closed period's data for one Policy Domain, ready to become an {@link AggregateReport}. */
    public record Pending(String policyDomain, DmarcRecord record, Instant begin, Instant end, List<ReportRow> rows) {
        public AggregateReport report(String orgName, String email, String submitter) {
            return new AggregateReport(new ReportMetadata(orgName, email, Optional.empty(),
                    ReportMetadata.reportId(policyDomain, begin, submitter), begin, end), PolicyPublished.of(policyDomain, record), rows);
        }
    }

    private record Key(String policyDomain, long period) {}

    private static final class Bucket {
        DmarcRecord record;
        final List<ReportRecord> records = new ArrayList<>();
    }

    private final long periodSeconds;
    private final Map<Key, Bucket> buckets = new LinkedHashMap<>();

    public ReportAggregator(Duration period) {
        if (period.toSeconds() < 3600) throw new IllegalArgumentException("a reporting period of less than an hour");
        this.periodSeconds = period.toSeconds();
    }

    /** One evaluated message. */
    public synchronized void add(Instant receivedAt, String policyDomain, DmarcRecord record, ReportRecord message) {
        Bucket b = buckets.computeIfAbsent(new Key(policyDomain, Math.floorDiv(receivedAt.getEpochSecond(), periodSeconds)), k -> new Bucket());
        b.record = record;
        b.records.add(message);
    }

    /** Removes and returns the periods that ended at or before {@code now}. */
    public synchronized List<Pending> takeEnded(Instant now) {
        List<Pending> out = new ArrayList<>();
        for (Iterator<Map.Entry<Key, Bucket>> it = buckets.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            long begin = e.getKey().period() * periodSeconds;
            if (begin + periodSeconds > now.getEpochSecond()) continue;
            out.add(new Pending(e.getKey().policyDomain(), e.getValue().record, Instant.ofEpochSecond(begin),
                    Instant.ofEpochSecond(begin + periodSeconds - 1), ReportRow.count(e.getValue().records)));
            it.remove();
        }
        return out;
    }
}
