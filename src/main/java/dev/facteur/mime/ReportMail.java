package dev.facteur.mime;

import java.util.Base64;

/**
 * The parts that aggregate reports sent by mail have in common, DMARC's (RFC 7489 §7.2.1.1) and
 * TLS-RPT's (RFC 8460 §5.3): the subject naming the domain, the submitter and the report id, and
 * the gzipped report as a base64 attachment.
 */
public final class ReportMail {

    private ReportMail() {}

    /**
     * {@code Subject: Report Domain: <domain> Submitter: <domain> Report-ID: <id>}, folded before
     * "Submitter:" and "Report-ID:" when the line would pass 78 characters (RFC 5322 §2.1.1).
     */
    public static void subject(StringBuilder w, String domain, String submitter, String reportId) {
        String[] parts = {"Subject: Report Domain: " + domain, "Submitter: " + submitter, "Report-ID: <" + reportId + ">"};
        int line = 0;
        for (int i = 0; i < parts.length; i++) {
            if (i > 0) {
                if (line + 1 + parts[i].length() > 78) {
                    w.append("\r\n ");
                    line = 1;
                } else {
                    w.append(' ');
                    line++;
                }
            }
            w.append(parts[i]);
            line += parts[i].length();
        }
        w.append("\r\n");
    }

    /**
     * The last part of a multipart report: {@code gzipped} as an attachment of {@code mediaType}
     * named {@code fileName}, in base64, then the closing boundary. The parameters are folded
     * after the ";": a report's file name alone may be over 500 characters long.
     */
    public static void gzipAttachment(StringBuilder w, String boundary, String mediaType, String fileName, byte[] gzipped) {
        w.append("\r\n--").append(boundary).append("\r\n");
        w.append("Content-Type: ").append(mediaType).append(";\r\n\tname=\"").append(fileName).append("\"\r\n");
        w.append("Content-Transfer-Encoding: base64\r\n");
        w.append("Content-Disposition: attachment;\r\n\tfilename=\"").append(fileName).append("\"\r\n\r\n");
        w.append(Base64.getMimeEncoder(76, new byte[] {'\r', '\n'}).encodeToString(gzipped)).append("\r\n");
        w.append("\r\n--").append(boundary).append("--\r\n");
    }
}
