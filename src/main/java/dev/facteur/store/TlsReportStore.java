package dev.facteur.store;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;

/**
 * The session counts of the TLS reports still to send (RFC 8460 §4), per Policy Domain and UTC
 * day, shared by every node that shares the store, so that each report counts the sessions of
 * all of them and is sent once, by one node. Sessions are kept counted: identical rows (the same
 * text) add to one count, and each row keeps the note it was last added with (a failure's reason,
 * which is not part of what makes two failures the same). Rows and notes are opaque text to the
 * store; times come in (clocks are injected). Failures are {@link StoreUnavailable}. Listing the
 * days that ended and taking one are {@link ReportStore}'s.
 */
public interface TlsReportStore extends ReportStore<TlsReportStore.Day, TlsReportStore.Taken> {

    /**
     * One Policy Domain's report day: RFC 8460 §4.1 reports cover a UTC day.
     *
     * @param policyDomain the domain the sessions were for, lowercase
     * @param date         the UTC day
     */
    record Day(String policyDomain, LocalDate date) implements ReportPeriod {
        public Day {
            if (policyDomain.isEmpty() || policyDomain.length() > 253
                    || policyDomain.chars().anyMatch(c -> c <= ' ' || c == '|' || c >= 0x7f))
                throw new IllegalArgumentException("not a domain name for a report: " + policyDomain);
            // four-digit years keep the stores' DATE|DOMAIN keys in the order days end
            if (date.getYear() < 1970 || date.getYear() > 9999) throw new IllegalArgumentException("not a report day: " + date);
        }

        /** The day {@code at} falls in, in UTC. */
        public static Day of(String policyDomain, Instant at) {
            return new Day(policyDomain, LocalDate.ofInstant(at, ZoneOffset.UTC));
        }

        /** Its first instant, midnight UTC. */
        @Override
        public Instant begin() {
            return date.atStartOfDay(ZoneOffset.UTC).toInstant();
        }

        /** The instant after its last: the next day's midnight. */
        @Override
        public Instant end() {
            return date.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        }
    }

    /** What {@link #add} did with the session. */
    enum Added {
        /** The first of its kind that day: a new row. */
        NEW_ROW,
        /** An identical row was there: its count went up. */
        COUNTED,
        /** The day has {@code maxRows} rows already: counted among the sessions left out. */
        LEFT_OUT
    }

    /**
     * A row taken out of the store.
     *
     * @param sessions how many sessions it stands for
     * @param note     the note of the last one added
     */
    record Row(long sessions, String note) {}

    /**
     * A day's rows, taken out of the store.
     *
     * @param rows    each distinct row with its count and note
     * @param leftOut sessions not in {@code rows}: the day had its {@code maxRows} already
     */
    record Taken(Day day, Map<String, Row> rows, long leftOut) {
        public Taken {
            rows = Map.copyOf(rows);
        }
    }

    /**
     * Counts one session as {@code row} of {@code day}, which keeps {@code note} as its note. A
     * new row beyond {@code maxRows} distinct ones is only counted as left out, so a domain's day
     * never holds more than {@code maxRows} rows.
     */
    Added add(Day day, String row, String note, int maxRows);
}
