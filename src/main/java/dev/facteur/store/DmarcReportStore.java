package dev.facteur.store;

import java.time.Instant;
import java.util.Map;

/**
 * The rows of the DMARC aggregate reports still to send (RFC 7489 §7.2), per Policy Domain and
 * reporting period, shared by every node that shares the store, so that each report covers the
 * mail of all of them and is sent once, by one node. Rows are kept counted: identical records
 * (the same text) add to one count. Records and policies are opaque text to the store; times
 * come in (clocks are injected). Failures are {@link StoreUnavailable}. Listing the periods that
 * ended and taking one are {@link ReportStore}'s.
 */
public interface DmarcReportStore extends ReportStore<DmarcReportStore.Period, DmarcReportStore.Taken> {

    /**
     * One Policy Domain's reporting period.
     *
     * @param policyDomain where the DMARC record was published, lowercase
     * @param begin        the period's first instant
     * @param end          the instant after its last (the next period's begin)
     */
    record Period(String policyDomain, Instant begin, Instant end) implements ReportPeriod {
        public Period {
            if (policyDomain.isEmpty() || policyDomain.chars().anyMatch(c -> c <= ' ' || c == '|' || c >= 0x7f))
                throw new IllegalArgumentException("not a domain name for a report: " + policyDomain);
            if (!end.isAfter(begin)) throw new IllegalArgumentException("a period ends after it begins");
        }
    }

    /** What {@link #add} did with the record. */
    enum Added {
        /** The first of its kind in the period: a new row. */
        NEW_ROW,
        /** An identical record was there: its count went up. */
        COUNTED,
        /** The period has {@code maxRows} rows already: counted among the messages left out. */
        LEFT_OUT
    }

    /**
     * A period's rows, taken out of the store.
     *
     * @param policy  the DMARC record as last added to the period
     * @param rows    each distinct record and how many messages it stands for
     * @param leftOut messages not in {@code rows}: the period had its {@code maxRows} already
     */
    record Taken(Period period, String policy, Map<String, Long> rows, long leftOut) {
        public Taken {
            rows = Map.copyOf(rows);
        }
    }

    /**
     * Counts one message's {@code record} in {@code period}, and keeps {@code policy} as the
     * period's policy. A new record beyond {@code maxRows} distinct ones is only counted as left
     * out, so a domain's period never holds more than {@code maxRows} rows.
     */
    Added add(Period period, String policy, String record, int maxRows);
}
