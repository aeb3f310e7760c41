package dev.facteur.auth.dmarc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

/** RFC 7489 §7.2.1.1 and RFC 9990 §2.5.2: the report email. */
class ReportMessageTest {

    private static final ReportMessage.Sender SENDER = new ReportMessage.Sender("dmarc-reports@mx.example.net", "mx.example.net");
    private static final Instant NOW = Instant.parse("2026-12-01T00:05:00Z");

    private static String compose() {
        return new String(ReportMessage.compose(SENDER, "dmarc@example.com", AggregateReportTest.fullReport(), NOW), StandardCharsets.US_ASCII);
    }

    @Test void headers() {
        String m = compose();
        String header = m.substring(0, m.indexOf("\r\n\r\n") + 2);
        assertThat(header).startsWith("From: <dmarc-reports@mx.example.net>\r\nTo: <dmarc@example.com>\r\n");
        assertThat(header.replace("\r\n ", " ")).contains(
                "Subject: Report Domain: example.com Submitter: mx.example.net Report-ID: <1700000000.example.com@mx.example.net>\r\n");
        assertThat(header).contains("Date: Tue, 1 Dec 2026 00:05:00 +0000\r\n",
                "Message-ID: <1700000000.example.com@mx.example.net>\r\n", "MIME-Version: 1.0\r\n",
                "Auto-Submitted: auto-generated\r\n", "Content-Type: multipart/mixed; boundary=");
    }

    @Test void everyLineEndsWithCrlfAndFitsTheLimit() { // RFC 5322 §2.1.1, §2.3
        String m = compose();
        assertThat(m.replace("\r\n", "")).doesNotContain("\r", "\n");
        assertThat(m.endsWith("--\r\n")).isTrue();
        assertThat(Arrays.stream(m.split("\r\n"))).allMatch(line -> line.length() <= 78);
    }

    @Test void attachmentIsTheGzippedReportInBase64() throws Exception {
        String m = compose();
        String name = "mx.example.net!example.com!1700000000!1700086399.xml.gz";
        assertThat(m).contains("Content-Type: application/gzip;\r\n\tname=\"" + name + "\"\r\n",
                "Content-Transfer-Encoding: base64\r\n", "Content-Disposition: attachment;\r\n\tfilename=\"" + name + "\"\r\n\r\n");
        String afterHeaders = m.substring(m.indexOf("filename=\"" + name + "\"\r\n\r\n") + name.length() + 15);
        String base64 = afterHeaders.substring(0, afterHeaders.indexOf("\r\n\r\n"));
        List<String> lines = List.of(base64.split("\r\n"));
        assertThat(lines.subList(0, lines.size() - 1)).allMatch(l -> l.length() == 76);
        byte[] gz = Base64.getMimeDecoder().decode(base64);
        try (var in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
            assertThat(FeedbackReader.read(in.readAllBytes())).isEqualTo(AggregateReportTest.fullReport());
        }
    }

    @Test void textPartSaysWhatItIs() {
        assertThat(compose()).contains("Content-Type: text/plain; charset=us-ascii\r\n",
                "This is a DMARC aggregate report (RFC 7489) for example.com,\r\n");
    }

    @Test void longSubjectsAreFoldedBetweenItsParts() {
        var sender = new ReportMessage.Sender("r@a-rather-long-submitter-name.mail.example.net", "a-rather-long-submitter-name.mail.example.net");
        String m = new String(ReportMessage.compose(sender, "d@example.com", AggregateReportTest.fullReport(), NOW), StandardCharsets.US_ASCII);
        assertThat(m).contains("Subject: Report Domain: example.com\r\n Submitter: a-rather-long-submitter-name.mail.example.net\r\n"
                + " Report-ID: <1700000000.example.com@mx.example.net>\r\n");
    }

    @Test void addressesFromDnsCannotInjectHeaders() {
        assertThatThrownBy(() -> ReportMessage.compose(SENDER, "x@example.com>\r\nBcc: <victim@example.org", AggregateReportTest.fullReport(), NOW))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ReportMessage.Sender("r@mx.example.net", "mx.example.net\r\nX: y")).isInstanceOf(IllegalArgumentException.class);
    }
}
