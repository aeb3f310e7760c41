package dev.facteur.bounce;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The machine-readable part of a feedback report, {@code message/feedback-report} (RFC 5965 §3),
 * with the fields RFC 6591 adds for authentication failures. Names are the RFC's; single-valued
 * fields are optional, repeatable ones are lists. Values are as written (unfolded), but for
 * Reporting-MTA without its {@code dns;} type and Source-IP without a comment after it. Every
 * other field (DKIM-Domain, DKIM-Selector, Delivery-Result, SPF-DNS, Removal-Recipient, ...) is in
 * {@link #fields()}.
 *
 * @param feedbackType          {@code Feedback-Type} in lower case: abuse, fraud, virus, other,
 *                              not-spam (RFC 6430), auth-failure (RFC 6591), or what the reporter
 *                              wrote (opt-out, from early drafts); empty when the field is missing
 * @param originalRcptTo        {@code Original-Rcpt-To}: whom the reported message was for, when
 *                              the reporter says (many redact it; the original's header may tell)
 * @param arrivalDate           {@code Arrival-Date}, or {@code Received-Date} as early reporters wrote it
 * @param incidents             {@code Incidents}; 1 when absent, since a report is at least about the message it carries
 * @param authFailure           RFC 6591 §3.1 {@code Auth-Failure} in lower case: adsp, bodyhash,
 *                              revoked, signature, spf, or dmarc (RFC 7489 §7.3)
 */
public record FeedbackReport(String feedbackType, Optional<String> userAgent, Optional<String> version,
        Optional<String> originalEnvelopeId, Optional<String> originalMailFrom, List<String> originalRcptTo,
        Optional<Instant> arrivalDate, Optional<String> reportingMta, Optional<String> sourceIp, int incidents,
        List<String> authenticationResults, List<String> reportedDomains, List<String> reportedUris,
        Optional<String> authFailure, ReportFields fields) {

    public FeedbackReport {
        originalRcptTo = List.copyOf(originalRcptTo);
        authenticationResults = List.copyOf(authenticationResults);
        reportedDomains = List.copyOf(reportedDomains);
        reportedUris = List.copyOf(reportedUris);
    }

    /** Reads the fields of a {@code message/feedback-report} body. */
    static FeedbackReport of(ReportFields f) {
        return new FeedbackReport(
                f.first("Feedback-Type").map(v -> v.toLowerCase(Locale.ROOT)).orElse(""),
                f.first("User-Agent"), f.first("Version"), f.first("Original-Envelope-Id"), f.first("Original-Mail-From"),
                f.all("Original-Rcpt-To"),
                f.first("Arrival-Date").or(() -> f.first("Received-Date")).flatMap(MailDates::parse),
                f.first("Reporting-MTA").map(FeedbackReport::withoutType),
                f.first("Source-IP").map(FeedbackReport::withoutComment),
                f.first("Incidents").flatMap(FeedbackReport::positive).orElse(1),
                f.all("Authentication-Results"), f.all("Reported-Domain"), f.all("Reported-URI"),
                f.first("Auth-Failure").map(v -> v.toLowerCase(Locale.ROOT)),
                f);
    }

    /** {@code dns; mail.example.com} is {@code mail.example.com} (RFC 3464 §2.2.2, the form RFC 5965 reuses). */
    static String withoutType(String typed) {
        int semi = typed.indexOf(';');
        if (semi < 0) return typed.strip();
        String type = typed.substring(0, semi).strip();
        return type.isEmpty() || type.chars().anyMatch(c -> c <= ' ' || c == '@' || c == '<') ? typed.strip() : typed.substring(semi + 1).strip();
    }

    private static String withoutComment(String value) {
        int paren = value.indexOf('(');
        return (paren < 0 ? value : value.substring(0, paren)).strip();
    }

    private static Optional<Integer> positive(String value) {
        String v = value.strip();
        if (v.isEmpty() || v.length() > 9 || !v.chars().allMatch(Character::isDigit)) return Optional.empty();
        int n = Integer.parseInt(v);
        return n > 0 ? Optional.of(n) : Optional.empty();
    }
}
