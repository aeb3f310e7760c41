package dev.facteur.bounce;

import dev.facteur.bounce.Report.AutoReply;
import dev.facteur.bounce.Report.Bounce;
import dev.facteur.bounce.Report.Complaint;
import dev.facteur.bounce.Report.NotAReport;
import dev.facteur.dsn.DsnAction;
import dev.facteur.message.AddressSyntax;
import dev.facteur.message.Mailbox;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Reads an inbound message and says what kind of report it is, and what it reports. The order of
 * the questions is the point:
 * <ol>
 * <li>a {@code message/feedback-report} part makes a complaint (RFC 5965);
 * <li>a {@code message/delivery-status} or {@code message/global-delivery-status} part makes a
 * DSN (RFC 3464, RFC 6533), read from its fields;
 * <li>a strong sign of a bounce (a mailer-daemon sender, a failure notice's subject,
 * {@code X-Failed-Recipients}) makes a bounce read from its text, before any sign of an
 * automatic reply: bounces carry {@code Auto-Submitted: auto-replied} too;
 * <li>then a sign of an automatic reply (RFC 3834) makes an auto-reply;
 * <li>then weak signs of a bounce together (see {@link BounceSignals}) make a bounce;
 * <li>anything else is not a report.
 * </ol>
 * Pure: bytes in, a value out. It never throws; what it cannot read is {@link NotAReport}, and
 * what it reads is bounded by {@link ReportLimits}.
 */
public final class ReportParser {

    private ReportParser() {}

    public static Report parse(byte[] message) {
        return parse(message, ReportLimits.DEFAULT);
    }

    public static Report parse(byte[] message, ReportLimits limits) {
        try {
            return read(message, limits, 0);
        } catch (RuntimeException | StackOverflowError e) {
            // The tests read hostile input through read() itself, where this cannot hide a bug; here a
            // report that trips on something unforeseen must not stop the handling of the mail.
            return new NotAReport("unreadable: " + e);
        }
    }

    /** A report inside a report (a DSN forwarded as an attachment) is read once, not further. */
    private static final int MAX_NESTING = 1;

    static Report read(byte[] message, ReportLimits limits, int nesting) {
        byte[] content = MimeEntity.lineEndsToLf(message.length > limits.maxBytes() ? Arrays.copyOf(message, limits.maxBytes()) : message);
        MimeEntity root = MimeEntity.read(withoutMboxLine(content), new MimeEntity.Budget(limits.maxParts(), limits.maxDepth()));
        if (root.header.isEmpty()) return new NotAReport("no header fields");
        List<MimeEntity> entities = root.walk();
        ReturnedMessage returned = returnedMessage(entities);

        Optional<MimeEntity> feedback = first(entities, "message/feedback-report");
        if (feedback.isPresent()) {
            ReportFields fields = FieldLines.read(FieldLines.lines(feedback.get().text()), skipEmpty(feedback.get().text()), 1000).fields();
            return new Complaint(FeedbackReport.of(fields), returned, true);
        }
        String notice = notice(root, entities, limits.maxTextChars());
        ReportFields perMessage = ReportFields.NONE;
        Optional<MimeEntity> status = first(entities, "message/delivery-status").or(() -> first(entities, "message/global-delivery-status"));
        if (status.isPresent()) {
            DeliveryStatusFields ds = DeliveryStatusFields.parse(status.get().text(), limits.maxRecipients());
            if (!ds.perRecipient().isEmpty()) {
                return new Bounce(ds.perMessage().first("Reporting-MTA").map(FeedbackReport::withoutType), recipients(ds, notice), returned, true,
                        ds.perMessage());
            }
            perMessage = ds.perMessage(); // a DSN part with no recipient in it: the text may name them
        }
        Optional<String> unsubscribe = root.header.first("X-Apple-Unsubscribe").filter(v -> v.strip().equalsIgnoreCase("true"));
        if (unsubscribe.isPresent()) return unsubscribeRequest(root.header);

        boolean strong = status.isPresent() || BounceSignals.strong(root.header).isPresent()
                || root.type.equals("multipart/report") && "delivery-status".equalsIgnoreCase(root.param("report-type"));
        if (strong) return textBounce(root, notice, returned, perMessage, limits, nesting);
        Optional<String> auto = AutoReplies.evidence(root.header);
        if (auto.isPresent()) return new AutoReply(auto.get(), root.header);
        boolean quotesAMessage = PlainTextBounce.quotedMessageStart(FieldLines.lines(notice)) < FieldLines.lines(notice).size();
        if (BounceSignals.weak(root.header, returned.isPresent() || quotesAMessage, notice)) {
            return textBounce(root, notice, returned, perMessage, limits, nesting);
        }
        return new NotAReport("no sign of a bounce, complaint or automatic reply");
    }

    /** A bounce read from its text: delivery-status fields written into it, else the habits of {@link PlainTextBounce}. */
    private static Report textBounce(MimeEntity root, String notice, ReturnedMessage returned, ReportFields perMessage, ReportLimits limits,
            int nesting) {
        Optional<String> daemonDomain = daemonDomain(root.header);
        PlainTextBounce.Reading reading = PlainTextBounce.read(notice, failedRecipients(root.header), notRecipients(root.header, returned),
                limits.maxRecipients());
        ReturnedMessage original = returned.isPresent() || reading.quotedHeader().isEmpty() ? returned : new ReturnedMessage(reading.quotedHeader(), false);
        if (DeliveryStatusFields.appearsIn(reading.notice())) {
            DeliveryStatusFields ds = DeliveryStatusFields.parse(reading.notice(), limits.maxRecipients());
            if (!ds.perRecipient().isEmpty()) {
                Optional<String> mta = ds.perMessage().first("Reporting-MTA").map(FeedbackReport::withoutType).or(() -> daemonDomain);
                List<String> lines = FieldLines.lines(reading.notice());
                String before = String.join("\n", lines.subList(0, DeliveryStatusFields.firstFieldLine(lines)));
                return new Bounce(mta, recipients(ds, before), original, false, ds.perMessage());
            }
        }
        List<PlainTextBounce.Finding> findings = new ArrayList<>(reading.findings());
        if (findings.isEmpty() && nesting < MAX_NESTING) {
            Optional<Bounce> forwarded = forwardedReport(root, limits, nesting);
            if (forwarded.isPresent()) return forwarded.get();
        }
        if (findings.isEmpty()) {
            // The notice names no one (Sendmail 5 wrote only the remote host's reply): the original went to its To.
            List<String> to = original.to().map(TextAddresses::in).orElse(List.of());
            if (to.size() == 1) findings.add(new PlainTextBounce.Finding(to.getFirst(), reading.noticeDiagnostic(), Optional.empty(), false));
        }
        DsnAction action = reading.warning() ? DsnAction.DELAYED : DsnAction.FAILED;
        List<BouncedRecipient> recipients = new ArrayList<>();
        for (PlainTextBounce.Finding f : findings) {
            Optional<StatusCode> code = StatusCode.find(f.diagnostic());
            OptionalInt reply = ReplyCodes.find(f.diagnostic());
            recipients.add(new BouncedRecipient(f.address(), Optional.empty(), action, code, reply, f.diagnostic(), f.remoteMta(),
                    Optional.empty(), BounceClassifier.classify(action, code, reply, f.diagnostic(), f.afterData()), ReportFields.NONE));
        }
        return new Bounce(perMessage.first("Reporting-MTA").map(FeedbackReport::withoutType).or(() -> daemonDomain), recipients, original,
                false, perMessage);
    }

    /** A bounce that names no recipient but returns a DSN: someone forwarded the report, which says it all. */
    private static Optional<Bounce> forwardedReport(MimeEntity root, ReportLimits limits, int nesting) {
        for (MimeEntity e : root.walk()) {
            if (!e.isMessage()) continue;
            if (read(e.body(), limits, nesting + 1) instanceof Bounce b && !b.recipients().isEmpty()) return Optional.of(b);
            return Optional.empty();
        }
        return Optional.empty();
    }

    private static List<BouncedRecipient> recipients(DeliveryStatusFields ds, String notice) {
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
        Optional<String> original = g.first("Original-Recipient").map(ReportParser::address);
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
        Optional<String> finalRecipient = g.first("Final-Recipient").map(ReportParser::address);
        Optional<String> original = g.first("Original-Recipient").map(ReportParser::address);
        return finalRecipient.filter(ReportParser::isMailbox).or(() -> original.filter(ReportParser::isMailbox))
                .or(() -> finalRecipient.filter(a -> !a.isEmpty())).or(() -> original)
                .or(() -> g.first("X-Actual-Recipient").map(ReportParser::address)).orElse("");
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

    /**
     * The returned message: a {@code message/rfc822} or {@code message/global} part, a header part
     * ({@code text/rfc822-headers}, RFC 6533 {@code message/global-headers}), or, as some servers
     * send it, a part that is the original's header itself or holds it as text.
     */
    private static ReturnedMessage returnedMessage(List<MimeEntity> entities) {
        for (MimeEntity e : entities.subList(1, entities.size())) {
            if (e.isMessage()) {
                MimeEntity m = e.enclosed();
                if (m != null && !m.header.isEmpty()) return new ReturnedMessage(m.header, true);
            } else if (isHeaderPart(e)) {
                String text = e.text();
                ReportFields fields = FieldLines.read(FieldLines.lines(text), skipEmpty(text), 500).fields();
                if (!fields.isEmpty()) return new ReturnedMessage(fields, false);
            } else if (isHeadlessMessage(e)) {
                return new ReturnedMessage(e.header, true);
            } else if (e.type.equals("text/plain") && startsWithHeader(e.text())) {
                String text = e.text();
                return new ReturnedMessage(FieldLines.read(FieldLines.lines(text), skipEmpty(text), 500).fields(), false);
            }
        }
        return ReturnedMessage.NONE;
    }

    private static boolean isHeaderPart(MimeEntity e) {
        return switch (e.type) {
            case "text/rfc822-headers", "text/rfc822-header", "message/global-headers", "message/rfc822-headers" -> true;
            default -> false;
        };
    }

    /** A part without a Content-Type whose header fields are a message's: the original sent as a part with no header of its own. */
    private static boolean isHeadlessMessage(MimeEntity e) {
        if (e.header.has("Content-Type")) return false;
        int known = 0;
        for (String name : new String[] {"Received", "Return-Path", "Message-ID", "From", "Subject", "Date"}) if (e.header.has(name)) known++;
        return known >= 2;
    }

    private static boolean startsWithHeader(String text) {
        List<String> lines = FieldLines.lines(text);
        int i = skipEmpty(lines);
        return i < lines.size() && PlainTextBounce.headerBlockAt(lines, i);
    }

    /** The text written for people: the text parts that are neither the report's fields nor the returned message. */
    private static String notice(MimeEntity root, List<MimeEntity> entities, int maxChars) {
        var out = new StringBuilder();
        boolean first = true;
        for (MimeEntity e : entities) {
            // a multipart whose boundary never comes is text (some bounces arrive with their MIME structure flattened)
            boolean text = e.type.equals("text/plain") || e.isMultipart() && e.parts().isEmpty();
            if (!text || (e != root && (isHeadlessMessage(e) || !first && startsWithHeader(e.text())))) continue;
            if (out.length() > 0) out.append("\n\n");
            out.append(e.text(), 0, Math.min(e.text().length(), maxChars - out.length()));
            first = false;
            if (out.length() >= maxChars) break;
        }
        if (out.length() == 0) { // HTML only: its text without the tags is better than nothing
            for (MimeEntity e : entities) {
                if (e.type.equals("text/html")) {
                    String text = e.text().replaceAll("(?s)<(?:style|script)[^>]*>.*?</(?:style|script)>|<[^>]{0,2000}>", " ").replace("&nbsp;", " ");
                    out.append(text, 0, Math.min(text.length(), maxChars));
                    break;
                }
            }
        }
        return out.toString();
    }

    private static Optional<MimeEntity> first(List<MimeEntity> entities, String type) {
        for (MimeEntity e : entities) if (e.type.equals(type)) return Optional.of(e);
        return Optional.empty();
    }

    /** Exim's {@code X-Failed-Recipients}: a comma-separated list of the addresses that failed. */
    private static List<String> failedRecipients(ReportFields header) {
        List<String> out = new ArrayList<>();
        for (String v : header.all("X-Failed-Recipients")) out.addAll(TextAddresses.in(v));
        return out;
    }

    /** The sender's and the mail system's addresses, which a notice names without their being recipients. */
    private static Set<String> notRecipients(ReportFields header, ReturnedMessage returned) {
        Set<String> out = new HashSet<>();
        for (String name : new String[] {"From", "To", "Reply-To", "Sender", "Return-Path"}) {
            for (String v : header.all(name)) for (String a : TextAddresses.in(v)) out.add(TextAddresses.key(a));
        }
        for (String name : new String[] {"From", "Sender", "Return-Path", "Reply-To"}) {
            for (String v : returned.fields(name)) for (String a : TextAddresses.in(v)) out.add(TextAddresses.key(a));
        }
        return out;
    }

    /** The domain of the mailer-daemon address a bounce came from, which stands for its Reporting-MTA. */
    private static Optional<String> daemonDomain(ReportFields header) {
        return header.first("From").filter(BounceSignals::isMailSystem).flatMap(v -> TextAddresses.in(v).stream().findFirst()).map(a -> a.substring(a.indexOf('@') + 1));
    }

    /**
     * Apple Mail's unsubscribe button sends a message of its own to the address in the list's
     * List-Unsubscribe (RFC 2369), marked {@code X-Apple-Unsubscribe: true}, instead of an RFC
     * 5965 report: it is an opt-out, from the subscriber in From.
     */
    private static Complaint unsubscribeRequest(ReportFields header) {
        List<String> from = header.first("From").map(TextAddresses::in).orElse(List.of());
        var report = new FeedbackReport("opt-out", header.first("X-Mailer"), Optional.empty(), Optional.empty(), Optional.empty(), from,
                header.first("Date").flatMap(MailDates::parse), Optional.empty(), Optional.empty(), 1, List.of(), List.of(), List.of(),
                Optional.empty(), ReportFields.NONE);
        return new Complaint(report, ReturnedMessage.NONE, false);
    }

    /** Mailbox files begin each message with a "From sender date" line (no colon), which is no header field. */
    private static byte[] withoutMboxLine(byte[] b) {
        if (b.length < 5 || b[0] != 'F' || b[1] != 'r' || b[2] != 'o' || b[3] != 'm' || b[4] != ' ') return b;
        for (int i = 0; i < b.length; i++) if (b[i] == '\n') return Arrays.copyOfRange(b, i + 1, b.length);
        return new byte[0];
    }

    private static int skipEmpty(String text) {
        return skipEmpty(FieldLines.lines(text));
    }

    private static int skipEmpty(List<String> lines) {
        int i = 0;
        while (i < lines.size() && lines.get(i).isBlank()) i++;
        return i;
    }
}
