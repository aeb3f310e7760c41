package dev.facteur.bounce;

import dev.facteur.dsn.DsnAction;
import dev.facteur.message.AddressSyntax;
import dev.facteur.message.Mailbox;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The recipients a DSN reports (RFC 3464 §2.3), each from its group of delivery-status fields:
 * which address, what happened, which codes, and so which {@link BounceClass}.
 */
final class DsnRecipients {

    private DsnRecipients() {}

    /** The recipients of a delivery-status part, with what the notice beside it says of each. */
    static List<BouncedRecipient> of(DeliveryStatusFields ds, String notice) {
        List<String> addresses = new ArrayList<>();
        for (ReportFields group : ds.perRecipient()) addresses.add(address(group));
        Map<String, PlainTextBounce.Finding> told = PlainTextBounce.about(notice, addresses, addresses.size());
        List<BouncedRecipient> out = new ArrayList<>();
        for (int i = 0; i < addresses.size(); i++) {
            PlainTextBounce.Finding f = told.getOrDefault(TextAddresses.key(addresses.get(i)),
                    new PlainTextBounce.Finding(addresses.get(i), "", Optional.empty(), false));
            out.add(recipient(ds.perRecipient().get(i), addresses.get(i), f));
        }
        return out;
    }

    /**
     * One recipient's group of fields (RFC 3464 §2.3). The notice, the text written for people
     * beside it, fills in what the fields leave out: the reason when there is no Diagnostic-Code,
     * and the SMTP command refused, which only the text says (Postfix's "in reply to end of DATA
     * command", Sendmail's transcript).
     */
    private static BouncedRecipient recipient(ReportFields g, String address, PlainTextBounce.Finding told) {
        Optional<String> original = g.first("Original-Recipient").map(DsnRecipients::address);
        String diagnostic = g.first("Diagnostic-Code").map(FeedbackReport::withoutType).orElse("");
        if (diagnostic.isBlank()) diagnostic = told.diagnostic();
        Optional<StatusCode> status = status(g.first("Status").flatMap(StatusCode::parse), diagnostic);
        DsnAction action = action(g.first("Action").orElse(""), status);
        OptionalInt reply = ReplyCodes.find(diagnostic);
        return new BouncedRecipient(address, original, action, status, reply, diagnostic, g.first("Remote-MTA").map(FeedbackReport::withoutType),
                g.first("Last-Attempt-Date").flatMap(MailDates::parse),
                BounceClassifier.classify(action, status, reply, diagnostic, told.afterData()), g);
    }

    /** Final-Recipient, unless it is no mailbox (an LMTP server's "@host:user@server"); then the address the sender gave. */
    private static String address(ReportFields g) {
        Optional<String> finalRecipient = g.first("Final-Recipient").map(DsnRecipients::address);
        Optional<String> original = g.first("Original-Recipient").map(DsnRecipients::address);
        return finalRecipient.filter(DsnRecipients::isMailbox).or(() -> original.filter(DsnRecipients::isMailbox))
                .or(() -> finalRecipient.filter(a -> !a.isEmpty())).or(() -> original)
                .or(() -> g.first("X-Actual-Recipient").map(DsnRecipients::address)).orElse("");
    }

    /**
     * The Status field, unless the diagnostic holds a code of the same class that says more:
     * "Status: 5.0.0" or "5.1.0" over a reply {@code 550 5.7.1 ... Access denied} is the reporting
     * MTA's summary of the remote server's own code.
     */
    private static Optional<StatusCode> status(Optional<StatusCode> field, String diagnostic) {
        StatusCode best = field.orElse(null);
        for (StatusCode t : StatusCode.findAll(diagnostic)) {
            if (best == null) best = t;
            else if (t.codeClass() == best.codeClass() && t.specificity() > best.specificity()) best = t;
        }
        return Optional.ofNullable(best);
    }

    /**
     * RFC 3464 §2.3.3. A value the RFC does not define (Postfix writes "deliverable" for an
     * address verification) is read by its status: delivered for 2.X.X, else failed, which is what
     * bounces report; so is a missing Action.
     */
    private static DsnAction action(String value, Optional<StatusCode> status) {
        String v = value.strip().toLowerCase(Locale.ROOT);
        for (DsnAction a : DsnAction.values()) if (v.startsWith(a.field())) return a;
        return status.filter(StatusCode::isSuccess).isPresent() ? DsnAction.DELIVERED : DsnAction.FAILED;
    }

    private static boolean isMailbox(String address) {
        return AddressSyntax.tryParseMailbox(address, true).filter(Mailbox::hasDomain).isPresent();
    }

    /**
     * The address of a Final-Recipient or Original-Recipient value, without its type and angle
     * brackets; for the {@code utf-8} type of RFC 6533 §3, with its {@code \x{HEX}} escapes undone.
     */
    static String address(String typed) {
        String a = FeedbackReport.withoutType(typed);
        if (a.startsWith("<") && a.endsWith(">")) a = a.substring(1, a.length() - 1).strip();
        boolean utf8 = typed.strip().toLowerCase(Locale.ROOT).startsWith("utf-8");
        return utf8 ? unescapeUnicode(a) : a;
    }

    private static String unescapeUnicode(String s) {
        var out = new StringBuilder(s.length());
        int i = 0;
        while (i < s.length()) {
            int close = s.startsWith("\\x{", i) ? s.indexOf('}', i) : -1;
            if (close > i + 3 && close - i <= 10) {
                try {
                    out.appendCodePoint(Integer.parseInt(s.substring(i + 3, close), 16));
                    i = close + 1;
                    continue;
                } catch (IllegalArgumentException e) { // not hex, or no code point: keep the text as written
                }
            }
            out.append(s.charAt(i++));
        }
        return out.toString();
    }
}
