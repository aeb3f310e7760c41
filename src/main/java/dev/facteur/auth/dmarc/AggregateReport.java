package dev.facteur.auth.dmarc;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.zip.GZIPOutputStream;

/**
 * One aggregate report (RFC 7489 §7.2, RFC 9990): one Policy Domain, one period, one policy.
 *
 * @param metadata who reports and for which period
 * @param policy   the policy as published (the last one seen in the period)
 * @param rows     the counted records; at least one (a report without mail is not sent)
 */
public record AggregateReport(ReportMetadata metadata, PolicyPublished policy, List<ReportRow> rows) {

    public AggregateReport {
        rows = List.copyOf(rows);
        if (rows.isEmpty()) throw new IllegalArgumentException("a report has at least one record (RFC 9990 §2.1.1)");
    }

    /** The report's XML, for the Policy Domain's record as last seen. */
    public static byte[] build(String policyDomain, DmarcRecord record, List<ReportRow> rows, ReportMetadata metadata) {
        return new AggregateReport(metadata, PolicyPublished.of(policyDomain, record), rows).toXml();
    }

    /** The XML document, UTF-8. */
    public byte[] toXml() {
        return FeedbackWriter.write(this);
    }

    /** The XML, gzipped (RFC 1952), as reports are sent. */
    public byte[] toGzip() {
        return gzip(toXml());
    }

    static byte[] gzip(byte[] data) {
        var bytes = new ByteArrayOutputStream(data.length / 4 + 64);
        try (var gz = new GZIPOutputStream(bytes)) {
            gz.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // not with an in-memory stream
        }
        return bytes.toByteArray();
    }

    /**
     * RFC 7489 §7.2.1.1, RFC 9990 §2.5.2: {@code receiver!policy-domain!begin!end.xml.gz}, the
     * same each time the report is sent.
     */
    public String fileName(String receiverDomain) {
        return receiverDomain + "!" + policy.domain() + "!" + metadata.begin().getEpochSecond() + "!"
                + metadata.end().getEpochSecond() + ".xml.gz";
    }
}
