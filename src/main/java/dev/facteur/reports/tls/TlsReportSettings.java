package dev.facteur.reports.tls;

import java.time.Duration;
import java.util.Locale;

/**
 * {@code [tls_reports]}: whether and how Facteur sends TLS reports (RFC 8460).
 *
 * @param enabled      whether to count sessions and send the reports (off unless configured)
 * @param organization {@code organization-name}: who we are to the receiving domain
 * @param contact      {@code contact-info}: where to write about a report, e.g. {@code postmaster@mx.example.net}
 * @param from         the reports' sender, e.g. {@code noreply-tlsrpt@mx.example.net}; its domain is the
 *                     submitter ({@code TLS-Report-Submitter}, file name), and must have DKIM keys
 *                     ({@code [[dkim.keys]]}): RFC 8460 §5.3 receivers ignore unsigned reports
 * @param grace        how long after midnight UTC the day's reports go, so that a node whose clock
 *                     is a little behind has counted its last sessions
 */
public record TlsReportSettings(boolean enabled, String organization, String contact, String from, Duration grace) {

    public static final Duration DEFAULT_GRACE = Duration.ofMinutes(5);
    public static final Duration MAX_GRACE = Duration.ofHours(12);

    public TlsReportSettings {
        if (organization.isBlank() || organization.chars().anyMatch(Character::isISOControl))
            throw new IllegalArgumentException("organization must be a name on one line");
        if (contact.isBlank() || contact.chars().anyMatch(Character::isISOControl))
            throw new IllegalArgumentException("contact must be an address or a name on one line");
        int at = from.lastIndexOf('@');
        if (at <= 0 || at == from.length() - 1 || from.chars().anyMatch(c -> c <= ' ' || c >= 0x7f || c == '<' || c == '>' || c == '"'))
            throw new IllegalArgumentException("must be an address, e.g. noreply-tlsrpt@mx.example.net: " + from);
        if (grace.isNegative() || grace.compareTo(MAX_GRACE) > 0) throw new IllegalArgumentException("grace must be between 0s and 12h");
    }

    /** Reports off, with the defaults a configuration without {@code [tls_reports]} gets. */
    public static TlsReportSettings off(String hostname) {
        return new TlsReportSettings(false, hostname, "postmaster@" + hostname, "noreply-tlsrpt@" + hostname, DEFAULT_GRACE);
    }

    /** The domain the sender's address is at: the report's submitter. */
    public String submitter() {
        return from.substring(from.lastIndexOf('@') + 1).toLowerCase(Locale.ROOT);
    }
}
