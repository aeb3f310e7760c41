package dev.facteur.reports;

import java.time.Duration;
import java.util.Locale;

/**
 * {@code [policy.dmarc.reports]}: whether and how Facteur sends DMARC aggregate reports.
 *
 * @param send       whether to record and send them (off unless configured)
 * @param orgName    the report's {@code org_name}: who we are to the Domain Owner
 * @param from       the report's sender and {@code email}, e.g. {@code dmarc-reports@mx.example.net};
 *                   its domain is the "Submitter" of the Subject and file name, and its DKIM keys sign the reports
 * @param interval   the reporting period: a whole number of periods in a UTC day, at most a day
 *                   (RFC 7489 §7.2.1.1: "at least once every 24 hours")
 * @param maxRecords how many distinct rows one Policy Domain's report holds at most; more records
 *                   are counted but left out
 */
public record DmarcReportSettings(boolean send, String orgName, String from, Duration interval, int maxRecords) {

    public static final Duration DAY = Duration.ofDays(1);

    public DmarcReportSettings {
        if (interval.toSeconds() < 60 || interval.compareTo(DAY) > 0 || DAY.toSeconds() % interval.toSeconds() != 0
                || interval.toMillis() % 1000 != 0)
            throw new IllegalArgumentException("must be between 1m and 24h and divide a day into whole periods (1h, 6h, 24h...)");
        if (maxRecords < 1) throw new IllegalArgumentException("max_records must be at least 1");
        int at = from.lastIndexOf('@');
        if (at <= 0 || at == from.length() - 1 || from.chars().anyMatch(c -> c <= ' ' || c >= 0x7f || c == '<' || c == '>'))
            throw new IllegalArgumentException("must be an address, e.g. dmarc-reports@mx.example.net: " + from);
    }

    /** Reports off: what a configuration without {@code send = true} gets. */
    public static DmarcReportSettings off(String hostname) {
        return new DmarcReportSettings(false, organizationOf(hostname), "dmarc-reports@" + hostname, DAY, 10_000);
    }

    /** The domain the report sender's address is at. */
    public String submitter() {
        return from.substring(from.lastIndexOf('@') + 1).toLowerCase(Locale.ROOT);
    }

    /** {@code mx.example.net} → {@code example.net}: a host name without its first label, when that leaves two labels or more. */
    public static String organizationOf(String hostname) {
        String[] labels = hostname.split("\\.");
        return labels.length >= 3 ? hostname.substring(hostname.indexOf('.') + 1) : hostname;
    }
}
