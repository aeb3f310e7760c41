package dev.facteur.metrics;

import java.util.Locale;

/**
 * Why a client's MAIL, RCPT or message was refused, in few enough words for a metric label: read
 * from the reply's RFC 3463 enhanced status code (subject and detail), or from its RFC 5321 basic
 * code when it has none.
 */
public enum RefusalReason {
    /** The message is too big: X.3.4, X.2.3, or 552 alone. */
    SIZE,
    /** A policy said no: relaying, blocklists, greylisting, rates, authentication results (X.7.x). */
    POLICY,
    /** Unknown or unavailable mailboxes, too many recipients (X.1.x, X.2.x, X.5.3). */
    RECIPIENTS,
    /** The client broke the protocol or sent a malformed command or content (X.5.x, X.6.x, X.1.3, X.1.7, 50x). */
    SYNTAX,
    /** TLS was required and missing (X.7.10, X.7.11, X.7.30, or "must issue STARTTLS" 530). */
    TLS,
    /** A login was required or failed (X.7.8, X.7.9, X.7.12–14, 530, 534, 535). */
    AUTH,
    /** Anything else: our own trouble (X.3.x), loops (X.4.6), unclassified codes. */
    OTHER;

    private final String label = name().toLowerCase(Locale.ROOT);

    /** The label value, lower case. */
    public String label() {
        return label;
    }

    /**
     * The reason for a refusal {@code code} with enhanced status {@code enhanced} ({@code ""} for
     * none) and first text line {@code text}. The text is read in one case only: RFC 4954 §6
     * ("authentication required") and RFC 3207 §4 ("must issue a STARTTLS command first") both
     * say {@code 530 5.7.0}.
     */
    public static RefusalReason of(int code, String enhanced, String text) {
        int dot = enhanced.indexOf('.');
        int last = enhanced.lastIndexOf('.');
        if (dot < 0 || last == dot) return ofBasicCode(code);
        int subject, detail;
        try {
            subject = Integer.parseInt(enhanced, dot + 1, last, 10);
            detail = Integer.parseInt(enhanced, last + 1, enhanced.length(), 10);
        } catch (NumberFormatException e) {
            return ofBasicCode(code);
        }
        return switch (subject) {
            case 1 -> detail == 3 || detail == 7 ? SYNTAX : detail == 8 ? POLICY : RECIPIENTS; // X.1.8: the sender's domain
            case 2 -> detail == 3 ? SIZE : RECIPIENTS;
            case 3 -> detail == 4 ? SIZE : OTHER;
            case 5 -> detail == 3 ? RECIPIENTS : SYNTAX;
            case 6 -> SYNTAX;
            case 7 -> switch (detail) {
                case 8, 9, 12, 13, 14 -> AUTH;
                case 10, 11, 30 -> TLS;
                case 0 -> code == 530 ? (text.toUpperCase(Locale.ROOT).contains("STARTTLS") ? TLS : AUTH) : POLICY;
                default -> POLICY;
            };
            default -> OTHER;
        };
    }

    private static RefusalReason ofBasicCode(int code) {
        return switch (code) {
            case 552 -> SIZE;
            case 530, 534, 535 -> AUTH;
            case 538 -> TLS;
            case 500, 501, 502, 503, 504, 555 -> SYNTAX;
            default -> OTHER;
        };
    }
}
