package dev.facteur.auth.dmarc;

import dev.facteur.mime.ReportMail;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Optional;

/**
 * The email that carries an aggregate report (RFC 7489 §7.2.1.1, RFC 9990 §2.5.2): a
 * {@code multipart/mixed} message with a short text part and the gzipped XML as an
 * {@code application/gzip} attachment, base64 in 76-character lines, CRLF throughout, 7-bit.
 * The message must itself pass DMARC at the report's receiver, so it should go out through the
 * same signing path as other mail from {@code sender}'s domain.
 */
public final class ReportMessage {

    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss xx", Locale.ROOT);

    /**
     * Who sends reports.
     *
     * @param address   our report address, e.g. {@code dmarc-reports@mx.example.net} (the From)
     * @param submitter our domain: the Subject's "Submitter" and the file name's receiver
     */
    public record Sender(String address, String submitter) {
        public Sender {
            requireAddress(address);
            requireDomain(submitter);
        }
    }

    private ReportMessage() {}

    /** The message bytes, for {@code to}, one of the verified {@link ReportDestinations}. */
    public static byte[] compose(Sender sender, String to, AggregateReport report, Instant now) {
        return compose(sender, to, report, report.toGzip(), now);
    }

    /** As above, with the report already gzipped (its size was checked against the URI's limit). */
    public static byte[] compose(Sender sender, String to, AggregateReport report, byte[] gzipped, Instant now) {
        requireAddress(to);
        String policyDomain = requireDomain(report.policy().domain());
        ReportMetadata m = report.metadata();
        String fileName = report.fileName(sender.submitter());
        String boundary = "=_dmarc_" + Long.toString(m.begin().getEpochSecond(), 36) + "_" + Integer.toHexString(fileName.hashCode());

        var w = new StringBuilder(gzipped.length * 4 / 3 + 2048);
        w.append("From: <").append(sender.address()).append(">\r\n");
        w.append("To: <").append(to).append(">\r\n");
        ReportMail.subject(w, policyDomain, sender.submitter(), m.reportId());
        w.append("Date: ").append(DATE.format(now.atOffset(ZoneOffset.UTC))).append("\r\n");
        w.append("Message-ID: <").append(messageId(m.reportId(), sender.submitter())).append(">\r\n");
        w.append("Auto-Submitted: auto-generated\r\n"); // RFC 3834: no replies, no vacation notices
        w.append("MIME-Version: 1.0\r\n");
        w.append("Content-Type: multipart/mixed; boundary=\"").append(boundary).append("\"\r\n");
        w.append("\r\nThis is a MIME-formatted message.\r\n");

        w.append("\r\n--").append(boundary).append("\r\n");
        w.append("Content-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: 7bit\r\n\r\n");
        w.append("This is a DMARC aggregate report (RFC 7489) for ").append(policyDomain).append(",\r\n");
        w.append("from ").append(sender.submitter()).append(", covering ")
                .append(DateTimeFormatter.ISO_INSTANT.format(m.begin())).append(" to ")
                .append(DateTimeFormatter.ISO_INSTANT.format(m.end())).append(".\r\n");
        w.append("Report-ID: ").append(m.reportId()).append("\r\n");

        ReportMail.gzipAttachment(w, boundary, "application/gzip", fileName, gzipped);
        return w.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** RFC 9990 §2.5.2 allows the Report-ID in the Message-ID, which marks a resent report as the same. */
    private static String messageId(String reportId, String submitter) {
        return reportId.contains("@") ? reportId : reportId + "@" + submitter;
    }

    /** Addresses come from DNS ({@code rua}): nothing that could break a header line or an angle-addr. */
    private static void requireAddress(String a) {
        int at = a.lastIndexOf('@');
        if (at <= 0 || a.chars().anyMatch(c -> c <= ' ' || c >= 0x7f || c == '<' || c == '>')
                || Domains.normalize(a.substring(at + 1)).isEmpty())
            throw new IllegalArgumentException("not an address for a report header: " + a);
    }

    private static String requireDomain(String d) {
        Optional<String> n = Domains.normalize(d);
        if (n.isEmpty() || !n.get().equals(d.toLowerCase(Locale.ROOT))) throw new IllegalArgumentException("not an A-label domain: " + d);
        return d;
    }
}
