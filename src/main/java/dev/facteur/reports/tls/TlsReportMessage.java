package dev.facteur.reports.tls;

import dev.facteur.mime.ReportMail;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The email that carries a TLS report (RFC 8460 §5.3): a {@code multipart/report} with
 * {@code report-type="tlsrpt"} (RFC 6522), whose first part says in words what this is and whose
 * second is the gzipped JSON as an {@code application/tlsrpt+gzip} attachment, base64 in
 * 76-character lines; the {@code TLS-Report-Domain} and {@code TLS-Report-Submitter} fields, and
 * the Subject {@code Report Domain: D Submitter: S Report-ID: <ID>}. CRLF throughout, 7-bit. The
 * receiver ignores a report without a valid DKIM signature by the submitter's domain, so it goes
 * out through the queue, which signs as it signs other mail from that domain.
 */
public final class TlsReportMessage {

    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss xx", Locale.ROOT);

    /**
     * Who sends reports.
     *
     * @param address   our report address, e.g. {@code noreply-tlsrpt@mx.example.net} (the From)
     * @param submitter our domain: {@code TLS-Report-Submitter}, the Subject's and the file name's
     */
    public record Sender(String address, String submitter) {
        public Sender {
            requireAddress(address);
            requireText(submitter);
        }
    }

    private TlsReportMessage() {}

    /** The message bytes for {@code to}, with the report already gzipped. */
    public static byte[] compose(Sender sender, String to, TlsReport report, byte[] gzipped, Instant now) {
        requireAddress(to);
        String domain = requireText(report.policyDomain());
        String fileName = report.fileName(sender.submitter());
        String boundary = "=_tlsrpt_" + Long.toString(report.start().getEpochSecond(), 36) + "_" + Integer.toHexString(fileName.hashCode());

        var w = new StringBuilder(gzipped.length * 4 / 3 + 2048);
        w.append("From: <").append(sender.address()).append(">\r\n");
        w.append("To: <").append(to).append(">\r\n");
        ReportMail.subject(w, domain, sender.submitter(), report.reportId());
        w.append("Date: ").append(DATE.format(now.atOffset(ZoneOffset.UTC))).append("\r\n");
        // the report-id is a msg-id already: a report built again is recognisably the same message
        w.append("Message-ID: <").append(report.reportId()).append(">\r\n");
        w.append("TLS-Report-Domain: ").append(domain).append("\r\n");
        w.append("TLS-Report-Submitter: ").append(sender.submitter()).append("\r\n");
        w.append("Auto-Submitted: auto-generated\r\n"); // RFC 3834: no replies, no vacation notices
        w.append("MIME-Version: 1.0\r\n");
        w.append("Content-Type: multipart/report; report-type=\"tlsrpt\";\r\n\tboundary=\"").append(boundary).append("\"\r\n");
        w.append("\r\nThis is a MIME-formatted message.\r\n");

        w.append("\r\n--").append(boundary).append("\r\n");
        w.append("Content-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: 7bit\r\n\r\n");
        w.append("This is an aggregate TLS report (RFC 8460) for ").append(domain).append(",\r\n");
        w.append("from ").append(sender.submitter()).append(", covering ").append(DateTimeFormatter.ISO_INSTANT.format(report.start()))
                .append(" to ").append(DateTimeFormatter.ISO_INSTANT.format(report.end())).append(".\r\n");
        w.append("Report-ID: ").append(report.reportId()).append("\r\n");

        ReportMail.gzipAttachment(w, boundary, "application/tlsrpt+gzip", fileName, gzipped);
        return w.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** Addresses come from DNS ({@code rua}) and configuration: nothing that could break a header line or an angle-addr. */
    private static void requireAddress(String a) {
        int at = a.lastIndexOf('@');
        if (at <= 0 || at == a.length() - 1 || a.chars().anyMatch(c -> c <= ' ' || c >= 0x7f || c == '<' || c == '>' || c == '"'))
            throw new IllegalArgumentException("not an address for a report header: " + a);
    }

    private static String requireText(String domain) {
        if (domain.isEmpty() || domain.chars().anyMatch(c -> c <= ' ' || c >= 0x7f || c == '"' || c == '!'))
            throw new IllegalArgumentException("not a domain for a report header: " + domain);
        return domain;
    }
}
