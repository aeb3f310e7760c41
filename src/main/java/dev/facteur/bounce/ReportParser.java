package dev.facteur.bounce;

import dev.facteur.bounce.Report.AutoReply;
import dev.facteur.bounce.Report.Bounce;
import dev.facteur.bounce.Report.Complaint;
import dev.facteur.bounce.Report.NotAReport;
import dev.facteur.dsn.DsnAction;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
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
        ReturnedMessage returned = ReportParts.returnedMessage(entities);

        Optional<MimeEntity> feedback = ReportParts.first(entities, "message/feedback-report");
        if (feedback.isPresent()) {
            String text = feedback.get().text();
            ReportFields fields = FieldLines.read(FieldLines.lines(text), ReportParts.skipEmpty(text), 1000).fields();
            return new Complaint(FeedbackReport.of(fields), returned, true);
        }
        String notice = ReportParts.notice(root, entities, limits.maxTextChars());
        ReportFields perMessage = ReportFields.NONE;
        Optional<MimeEntity> status = ReportParts.first(entities, "message/delivery-status")
                .or(() -> ReportParts.first(entities, "message/global-delivery-status"));
        if (status.isPresent()) {
            DeliveryStatusFields ds = DeliveryStatusFields.parse(status.get().text(), limits.maxRecipients());
            if (!ds.perRecipient().isEmpty()) {
                return new Bounce(ds.perMessage().first("Reporting-MTA").map(FeedbackReport::withoutType), DsnRecipients.of(ds, notice), returned, true,
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
        List<String> noticeLines = FieldLines.lines(notice);
        boolean quotesAMessage = PlainTextBounce.quotedMessageStart(noticeLines) < noticeLines.size();
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
                return new Bounce(mta, DsnRecipients.of(ds, before), original, false, ds.perMessage());
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
        return header.first("From").filter(BounceSignals::isMailSystem).flatMap(v -> TextAddresses.in(v).stream().findFirst())
                .map(a -> a.substring(a.indexOf('@') + 1));
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
}
