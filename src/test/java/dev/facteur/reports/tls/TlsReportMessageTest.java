package dev.facteur.reports.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** RFC 8460 §5.3: the email that carries a report, read back as its receiver reads it. */
class TlsReportMessageTest {

    private static final TlsReportMessage.Sender SENDER = new TlsReportMessage.Sender("noreply-tlsrpt@company-x.example",
            "company-x.example");
    private static final Instant NOW = Instant.parse("2016-04-02T00:05:00Z");

    private static String compose() {
        TlsReport r = TlsReportTest.appendixB();
        return new String(TlsReportMessage.compose(SENDER, "tlsrpt@company-y.example", r, r.toGzip(), NOW), StandardCharsets.US_ASCII);
    }

    @Test
    void theHeaderNamesTheDomainTheSubmitterAndTheReport() {
        var m = TlsReportMail.read(compose()).message;
        assertThat(m.field("From")).isEqualTo("<noreply-tlsrpt@company-x.example>");
        assertThat(m.field("To")).isEqualTo("<tlsrpt@company-y.example>");
        assertThat(m.field("Subject")).isEqualTo("Report Domain: company-y.example Submitter: company-x.example "
                + "Report-ID: <2016-04-01.company-y.example@company-x.example>");
        assertThat(m.field("TLS-Report-Domain")).isEqualTo("company-y.example");
        assertThat(m.field("TLS-Report-Submitter")).isEqualTo("company-x.example");
        assertThat(m.field("Message-ID")).isEqualTo("<2016-04-01.company-y.example@company-x.example>");
        assertThat(m.field("Date")).isEqualTo("Sat, 2 Apr 2016 00:05:00 +0000");
        assertThat(m.field("MIME-Version")).isEqualTo("1.0");
        assertThat(m.field("Auto-Submitted")).isEqualTo("auto-generated");
    }

    @Test
    void itIsAMultipartReportOfTypeTlsrpt() { // RFC 8460 §5.3, RFC 6522
        var m = TlsReportMail.read(compose());
        assertThat(m.message.type()).isEqualTo("multipart/report");
        assertThat(m.message.param("content-type", "report-type")).isEqualTo("tlsrpt");
        assertThat(m.parts).extracting(TlsReportMail.Entity::type).containsExactly("text/plain", "application/tlsrpt+gzip");
        assertThat(m.parts.getFirst().body()).contains("aggregate TLS report (RFC 8460) for company-y.example",
                "2016-04-01T00:00:00Z to 2016-04-01T23:59:59Z");
    }

    @Test
    void theAttachmentIsTheGzippedJsonInBase64UnderItsFileName() { // RFC 8460 §5.1, §5.2
        var m = TlsReportMail.read(compose());
        var a = m.part("application/tlsrpt+gzip");
        String name = TlsReportTest.appendixB().fileName("company-x.example");
        assertThat(a.field("Content-Transfer-Encoding")).isEqualTo("base64");
        assertThat(a.param("Content-Disposition", "filename")).isEqualTo(name);
        assertThat(a.field("Content-Disposition")).startsWith("attachment;");
        assertThat(a.param("Content-Type", "name")).isEqualTo(name);
        assertThat(m.reportJson()).isEqualTo(TlsReportTest.appendixB().toJson());
        assertThat(m.report().get("report-id").asString()).isEqualTo("2016-04-01.company-y.example@company-x.example");
        List<String> lines = List.of(a.body().strip().split("\r\n"));
        assertThat(lines.subList(0, lines.size() - 1)).as("base64 in 76-character lines").allMatch(l -> l.length() == 76);
    }

    @Test
    void everyLineEndsWithCrlfAndFitsTheLimit() { // RFC 5322 §2.1.1, §2.3
        String m = compose();
        assertThat(m.replace("\r\n", "")).doesNotContain("\r", "\n");
        assertThat(m).endsWith("--\r\n");
        assertThat(Arrays.stream(m.split("\r\n"))).allMatch(line -> line.length() <= 78);
        assertThat(m.chars()).allMatch(c -> c < 0x80);
    }

    @Test
    void aLongSubjectFoldsBeforeItsParts() {
        TlsReport r = TlsReportTest.appendixB();
        var longer = new TlsReport(r.organizationName(), r.contactInfo(),
                "2016-04-01.a-rather-long-policy-domain.example@company-x.example",
                "a-rather-long-policy-domain.example", r.date(), r.policies());
        String m = new String(TlsReportMessage.compose(SENDER, "t@example.com", longer, longer.toGzip(), NOW), StandardCharsets.US_ASCII);
        assertThat(m).contains("Subject: Report Domain: a-rather-long-policy-domain.example\r\n Submitter: company-x.example\r\n"
                + " Report-ID: <2016-04-01.a-rather-long-policy-domain.example@company-x.example>\r\n");
    }

    @Test
    void anAddressThatWouldBreakTheHeaderIsRefused() {
        TlsReport r = TlsReportTest.appendixB();
        assertThatThrownBy(() -> TlsReportMessage.compose(SENDER, "a@b.example>\r\nBcc: x@y", r, r.toGzip(), NOW))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
