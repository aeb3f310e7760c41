package dev.facteur.dsn;

import dev.facteur.message.Envelope;
import dev.facteur.message.Recipient;
import dev.facteur.message.Ret;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * Writes a DSN message: {@code multipart/report; report-type=delivery-status} (RFC 6522) with a
 * plain-language part, the {@code message/delivery-status} part (RFC 3464 §2) and the original
 * message or its headers (RFC 3461 §4.3 RET). Lines end with CRLF; the text is 7-bit. For an
 * internationalized message (SMTPUTF8, UTF-8 addresses) the report is the RFC 6533 kind:
 * {@code global-delivery-status}, addresses in UTF-8, the original as {@code message/global}.
 */
public final class DsnWriter {

    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss xx", Locale.ROOT);

    /** Originals larger than this are returned as headers only, whatever RET says. */
    public static final long MAX_RETURNED = 10L * 1024 * 1024;

    private final String hostname;
    private final ZoneId zone;

    public DsnWriter(String hostname, ZoneId zone) {
        this.hostname = hostname;
        this.zone = zone;
    }

    /** Writes the whole message; {@code original} is the stored content (may be null if unreadable). */
    public void write(DsnReport r, long originalSize, InputStream original, Instant now, OutputStream out) throws IOException {
        Envelope e = r.original();
        boolean global = isGlobal(r);
        String boundary = e.id() + "/" + hostname;
        var w = new StringBuilder();
        w.append("From: Mail Delivery System <MAILER-DAEMON@").append(hostname).append(">\r\n");
        w.append("To: <").append(text(e.sender().toString(), global)).append(">\r\n");
        w.append("Subject: ").append(subject(r.action())).append("\r\n");
        w.append("Date: ").append(DATE.format(now.atZone(zone))).append("\r\n");
        w.append("Message-ID: <").append(e.id()).append('.').append(r.action().field()).append('.')
                .append(now.toEpochMilli()).append('@').append(hostname).append(">\r\n");
        w.append("Auto-Submitted: auto-replied\r\n"); // RFC 3834: no auto-reply loops
        w.append("MIME-Version: 1.0\r\n");
        w.append("Content-Type: multipart/report; report-type=").append(global ? "global-delivery-status" : "delivery-status")
                .append(";\r\n\tboundary=\"").append(boundary).append("\"\r\n");
        w.append("\r\nThis is a MIME-encapsulated delivery status notification.\r\n\r\n");

        w.append("--").append(boundary).append("\r\n");
        w.append("Content-Description: Notification\r\nContent-Type: text/plain; charset=").append(global ? "utf-8" : "us-ascii")
                .append("\r\n\r\n");
        humanPart(w, r, global);
        w.append("\r\n--").append(boundary).append("\r\n");
        w.append("Content-Description: Delivery report\r\nContent-Type: ")
                .append(global ? "message/global-delivery-status" : "message/delivery-status").append("\r\n\r\n");
        statusPart(w, r, global);
        boolean full = returnsFullMessage(r, originalSize);
        w.append("\r\n--").append(boundary).append("\r\n");
        if (full) {
            w.append("Content-Description: Undelivered message\r\nContent-Type: ").append(global ? "message/global" : "message/rfc822")
                    .append("\r\n\r\n");
        } else {
            w.append("Content-Description: Message headers\r\nContent-Type: ")
                    .append(global ? "message/global-headers" : "text/rfc822-headers").append("\r\n\r\n");
        }
        out.write(w.toString().getBytes(global ? StandardCharsets.UTF_8 : StandardCharsets.US_ASCII));
        if (original != null) copyOriginal(original, out, full);
        out.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * Whether the report returns the whole original rather than its header: for a failure only,
     * when the sender did not ask for headers (RFC 3461 §4.3 RET=HDRS) and the original is not
     * too large. Never for a message sent with REQUIRETLS: RFC 8689 §5, "If a REQUIRETLS message
     * is bounced, the server MUST behave as if RET=HDRS was present", and "If both RET=FULL and
     * REQUIRETLS are present, the RET=FULL MUST be disregarded": the report may travel a path
     * less protected than the message did.
     */
    public static boolean returnsFullMessage(DsnReport r, long originalSize) {
        Envelope e = r.original();
        return !e.requireTls() && e.ret() != Ret.HDRS && originalSize <= MAX_RETURNED && r.action() == DsnAction.FAILED;
    }

    private static String subject(DsnAction a) {
        return switch (a) {
            case FAILED -> "Undelivered Mail Returned to Sender";
            case DELAYED -> "Delayed Mail (still being retried)";
            case DELIVERED, RELAYED, EXPANDED -> "Successful Mail Delivery Report";
        };
    }

    /** RFC 6533 §6: a report about an internationalized message or address is a global one. */
    public static boolean isGlobal(DsnReport r) {
        Envelope e = r.original();
        return e.smtpUtf8() || e.sender().mailbox().map(m -> m.isInternationalized()).orElse(false)
                || r.recipients().stream().anyMatch(rc -> rc.address().isInternationalized());
    }

    private void humanPart(StringBuilder w, DsnReport r, boolean global) {
        w.append("This is the mail system at host ").append(hostname).append(".\r\n\r\n");
        switch (r.action()) {
            case FAILED -> w.append("I'm sorry to have to inform you that your message could not\r\n"
                    + "be delivered to one or more recipients. The details are below.\r\n");
            case DELAYED -> w.append("Your message could not be delivered yet to one or more recipients.\r\n"
                    + "It will be retried until ").append(r.willRetryUntil() == null ? "it expires" : DATE.format(r.willRetryUntil().atZone(zone)))
                    .append(".\r\nYou do not need to send it again.\r\n");
            case DELIVERED, RELAYED -> w.append("Your message was successfully delivered to the destination(s)\r\n"
                    + "listed below. If the message was delivered to a mailbox you will receive\r\n"
                    + "no further notifications; otherwise you may still receive notifications.\r\n");
            case EXPANDED -> w.append("Your message reached the address(es) below, which pass mail on to several\r\n"
                    + "recipients. You will not be told of successful delivery to each of them.\r\n");
        }
        w.append("\r\nQueue id: ").append(r.original().id()).append("\r\n");
        for (Recipient rc : r.recipients()) {
            w.append("\r\n<").append(text(rc.address().toString(), global)).append(">");
            if (rc.remoteMta() != null) w.append(": host ").append(text(rc.remoteMta(), global)).append(" said:");
            w.append("\r\n    ").append(rc.diagnostic() == null ? r.action().field() : text(rc.diagnostic(), global)).append("\r\n");
        }
    }

    private void statusPart(StringBuilder w, DsnReport r, boolean global) {
        Envelope e = r.original();
        w.append("Reporting-MTA: dns; ").append(hostname).append("\r\n");
        w.append("X-Facteur-Queue-ID: ").append(e.id()).append("\r\n");
        // ENVID and ORCPT are what the client sent: checked at MAIL and RCPT, and made safe here again,
        // since a line break in them would write fields of the client's choosing into the report.
        if (e.envid() != null) w.append("Original-Envelope-Id: ").append(text(e.envid(), global)).append("\r\n");
        w.append("Arrival-Date: ").append(DATE.format(e.arrival().atZone(zone))).append("\r\n");
        for (Recipient rc : r.recipients()) {
            w.append("\r\n");
            if (rc.orcpt() != null) w.append("Original-Recipient: ").append(text(orcptField(rc.orcpt()), global)).append("\r\n");
            String address = rc.address().toString();
            boolean utf8 = global && rc.address().isInternationalized(); // RFC 6533 §3: the utf-8 address type
            w.append("Final-Recipient: ").append(utf8 ? "utf-8; " : "rfc822; ").append(text(address, global)).append("\r\n");
            w.append("Action: ").append(r.action().field()).append("\r\n");
            w.append("Status: ").append(status(rc, r.action())).append("\r\n");
            if (rc.remoteMta() != null) w.append("Remote-MTA: dns; ").append(text(rc.remoteMta(), global)).append("\r\n");
            if (rc.diagnostic() != null && rc.remoteMta() != null)
                w.append("Diagnostic-Code: smtp; ").append(text(rc.diagnostic(), global)).append("\r\n");
            if (r.lastAttempt() != null) w.append("Last-Attempt-Date: ").append(DATE.format(r.lastAttempt().atZone(zone))).append("\r\n");
            if (r.willRetryUntil() != null) w.append("Will-Retry-Until: ").append(DATE.format(r.willRetryUntil().atZone(zone))).append("\r\n");
        }
    }

    /** The RFC 3463 code from the diagnostic, or a generic one for the action. */
    static String status(Recipient rc, DsnAction a) {
        String d = rc.diagnostic();
        if (d != null) {
            String[] parts = d.split(" ");
            if (parts.length > 1 && parts[1].matches("[245]\\.\\d{1,3}\\.\\d{1,3}")) {
                String code = parts[1];
                // a permanent failure reported with a temporary code (expiry) is still a failure
                if (a == DsnAction.FAILED && code.startsWith("4")) return "5" + code.substring(1);
                return code;
            }
        }
        return switch (a) {
            case FAILED -> "5.0.0";
            case DELAYED -> "4.0.0";
            case DELIVERED, RELAYED, EXPANDED -> "2.0.0";
        };
    }

    /** ORCPT is {@code addr-type;xtext}; the DSN field is {@code addr-type; value}. */
    private static String orcptField(String orcpt) {
        int semi = orcpt.indexOf(';');
        return orcpt.substring(0, semi) + "; " + orcpt.substring(semi + 1);
    }

    /** Text for a report line: printable ASCII, or any printable character in a global report; never a line break. */
    private static String text(String s, boolean global) {
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().forEach(c -> b.appendCodePoint(c >= 32 && (c < 127 || (global && c > 159)) ? c : '?'));
        return b.toString();
    }

    private static void copyOriginal(InputStream in, OutputStream out, boolean full) throws IOException {
        if (full) {
            in.transferTo(out);
            return;
        }
        // Headers only: up to the first empty line.
        var line = new ByteArrayOutputStream();
        int prev = -1;
        for (int b; (b = in.read()) >= 0; ) {
            line.write(b);
            if (b == '\n') {
                byte[] l = line.toByteArray();
                if (l.length <= 2 && (l.length == 1 || l[0] == '\r')) break;
                out.write(l);
                line.reset();
            }
            prev = b;
        }
        if (prev != '\n' && line.size() > 0) out.write(line.toByteArray());
    }
}
