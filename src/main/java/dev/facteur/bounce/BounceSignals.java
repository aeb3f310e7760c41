package dev.facteur.bounce;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Whether a message that is no DSN is a bounce all the same. Strong signs are enough alone: it
 * comes from a mailer-daemon or postmaster (the names mail systems send their notices under;
 * Postmaster is the one RFC 5321 §4.5.1 requires), its subject is a failure notice's, or it
 * carries Exim's {@code X-Failed-Recipients}. Weak signs count only together: a null Return-Path or a returned
 * message with text that says mail was not delivered. Auto-replies also come with a null
 * Return-Path, and people forward messages as attachments, so neither alone makes a bounce.
 */
final class BounceSignals {

    private BounceSignals() {}

    /** Subjects of failure notices, as the common servers write them (Postfix, Sendmail, Exim, qmail, Exchange, Domino, Gmail, ...). */
    private static final Pattern SUBJECT = Pattern.compile("undeliver|returned mail|returning message|delivery status notification"
            + "|delivery (?:status )?fail|failure notice|failed delivery|mail delivery|delivery has failed|non[- ]?remis|unzustellbar"
            + "|nicht zustellbar|mail system error|returned to sender|delivery problem|error sending your mail|delayed mail"
            + "|delivery delayed|could not be delivered|not delivered|non-?delivery|delivery notification", Pattern.CASE_INSENSITIVE);

    /** Text that says mail did not arrive. */
    private static final Pattern UNDELIVERED = Pattern.compile("(?:could|can)(?:n't| ?not) be delivered|undeliverable|delivery (?:has )?failed"
            + "|failed permanently|did not reach|was not delivered|(?:unable|failed) to deliver|could(?:n't| not) deliver"
            + "|delivery to the following|permanent error|following addresses? (?:had|failed)|delivery (?:problems|errors)"
            + "|rejected by (?:a|the) remote", Pattern.CASE_INSENSITIVE);

    /** Names the mail system sends bounces as, compared without case and without "-", "_", "." or spaces. */
    private static final Pattern DAEMON = Pattern.compile("mailerdaemon|postmaster|maildeliver");

    /** The strong sign found in {@code header}, as {@code Name: value}. */
    static Optional<String> strong(ReportFields header) {
        for (String name : new String[] {"From", "Sender", "Return-Path"}) {
            Optional<String> v = header.first(name).filter(BounceSignals::isMailSystem);
            if (v.isPresent()) return Optional.of(name + ": " + v.get());
        }
        Optional<String> subject = header.first("Subject").filter(s -> SUBJECT.matcher(s).find());
        if (subject.isPresent()) return Optional.of("Subject: " + subject.get());
        return header.first("X-Failed-Recipients").map(v -> "X-Failed-Recipients: " + v);
    }

    /** Weak signs, which together make a bounce: a null Return-Path or a returned message, and text that says mail was not delivered. */
    static boolean weak(ReportFields header, boolean returnsAMessage, String text) {
        boolean nullPath = header.first("Return-Path").map(v -> v.replaceAll("[\\s<>]", "").isEmpty()).orElse(false);
        return (nullPath || returnsAMessage) && UNDELIVERED.matcher(text).find();
    }

    /** True when an address field names the mail system: MAILER-DAEMON, Postmaster, "Mail Delivery Subsystem". */
    static boolean isMailSystem(String fieldValue) {
        return DAEMON.matcher(squeezed(fieldValue)).find();
    }

    private static String squeezed(String value) {
        return value.toLowerCase(Locale.ROOT).replaceAll("[-_.\\s]", "");
    }
}
