package dev.facteur.auth.dmarc;

import java.time.Instant;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A report's {@code report_metadata}: who reports, and for which period.
 *
 * @param orgName          the reporting organization's name
 * @param email            where to write to it
 * @param extraContactInfo more contact details, if any
 * @param reportId         unique among the reports to one domain; the same when a report is sent again
 * @param begin            the start of the period
 * @param end              its end, inclusive (reports say the last second, e.g. 86399 after a midnight)
 */
public record ReportMetadata(String orgName, String email, Optional<String> extraContactInfo, String reportId,
        Instant begin, Instant end) {

    // RFC 9990 §2.5.1 ridfmt: dot-atom-text ["@" dot-atom-text]; it also goes into the Subject.
    private static final Pattern DOT_ATOM = Pattern.compile("[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*");

    public ReportMetadata {
        String[] parts = reportId.split("@", -1);
        if (parts.length > 2 || !DOT_ATOM.matcher(parts[0]).matches() || parts.length == 2 && !DOT_ATOM.matcher(parts[1]).matches())
            throw new IllegalArgumentException("Report-ID must be dot-atom-text [\"@\" dot-atom-text]: " + reportId);
        if (end.isBefore(begin)) throw new IllegalArgumentException("the period ends before it begins");
    }

    /**
     * A Report-ID unique per Policy Domain and period, and the same if the report is sent again:
     * {@code <begin>.<policy domain>@<submitter>}, as RFC 9990 §2.5.1 suggests.
     */
    public static String reportId(String policyDomain, Instant begin, String submitter) {
        return begin.getEpochSecond() + "." + policyDomain + "@" + submitter;
    }
}
