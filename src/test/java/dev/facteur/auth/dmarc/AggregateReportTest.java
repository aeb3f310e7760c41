package dev.facteur.auth.dmarc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.facteur.auth.dmarc.AuthResults.DkimAuth;
import dev.facteur.auth.dmarc.AuthResults.SpfAuth;
import dev.facteur.auth.dmarc.AuthResults.SpfScope;
import dev.facteur.auth.dmarc.ReportRecord.DkimResult;
import dev.facteur.auth.dmarc.ReportRecord.Identifiers;
import dev.facteur.auth.dmarc.ReportRecord.OverrideReason;
import dev.facteur.auth.dmarc.ReportRecord.PolicyEvaluated;
import dev.facteur.auth.dmarc.ReportRecord.SpfResult;
import dev.facteur.testing.FakeDnsResolver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * RFC 7489 Appendix C reports: checked against the sample reports of stalwartlabs/mail-auth
 * ({@code feedback/NNN.xml} with their expected parse {@code NNN.json}; Apache-2.0 OR MIT), read
 * back with the JDK's parser.
 */
class AggregateReportTest {

    private static final List<String> SAMPLES = List.of("001", "002", "003", "004", "005");

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = AggregateReportTest.class.getResourceAsStream("feedback/" + name)) {
            return in.readAllBytes();
        }
    }

    @TestFactory Stream<DynamicTest> samplesReadAsTheirExpectedParseSays() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String n : SAMPLES) {
            tests.add(dynamicTest(n + ".xml", () -> {
                JsonNode expected = JsonMapper.builder().build().readTree(resource(n + ".json"));
                if (n.equals("004")) {
                    // RFC 9990's dmarc-2.0 report says <disposition>pass</disposition>, which 1.0 has no word for.
                    assertThatThrownBy(() -> FeedbackReader.read(resource(n + ".xml"))).hasMessageContaining("pass");
                    return;
                }
                AggregateReport r = FeedbackReader.read(resource(n + ".xml"));
                JsonNode meta = expected.get("report_metadata");
                assertThat(r.metadata().reportId()).isEqualTo(meta.get("report_id").asString());
                assertThat(r.metadata().begin().getEpochSecond()).isEqualTo(meta.get("date_range").get("begin").asLong());
                assertThat(r.metadata().end().getEpochSecond()).isEqualTo(meta.get("date_range").get("end").asLong());
                assertThat(r.policy().domain()).isEqualTo(expected.get("policy_published").get("domain").asString());
                assertThat(r.policy().p().token()).isEqualToIgnoringCase(expected.get("policy_published").get("p").asString());
                JsonNode records = expected.get("record");
                assertThat(r.rows()).hasSize(records.size());
                for (int i = 0; i < records.size(); i++) {
                    JsonNode e = records.get(i);
                    ReportRow row = r.rows().get(i);
                    JsonNode pe = e.get("row").get("policy_evaluated");
                    assertThat(FeedbackWriter.address(row.record().sourceIp())).isEqualTo(e.get("row").get("source_ip").asString());
                    assertThat(row.count()).isEqualTo(e.get("row").get("count").asLong());
                    assertThat(row.record().policyEvaluated().disposition().token()).isEqualToIgnoringCase(pe.get("disposition").asString());
                    assertThat(row.record().policyEvaluated().dkimAligned()).isEqualTo(pe.get("dkim").asString().equals("Pass"));
                    assertThat(row.record().policyEvaluated().spfAligned()).isEqualTo(pe.get("spf").asString().equals("Pass"));
                    assertThat(row.record().identifiers().headerFrom()).isEqualTo(e.get("identifiers").get("header_from").asString());
                    List<String> dkim = new ArrayList<>();
                    e.get("auth_results").get("dkim").forEach(d -> dkim.add(d.get("domain").asString() + " " + d.get("result").asString().toLowerCase()));
                    assertThat(row.record().dkim()).extracting(d -> d.domain() + " " + d.result()).isEqualTo(dkim);
                    List<String> spf = new ArrayList<>();
                    e.get("auth_results").get("spf").forEach(s -> spf.add(s.get("domain").asString() + " " + s.get("result").asString().toLowerCase()));
                    assertThat(row.record().spf()).extracting(s -> s.domain() + " " + s.result()).isEqualTo(spf);
                }
            }));
        }
        return tests.stream();
    }

    @TestFactory Stream<DynamicTest> samplesSurviveOurWriter() {
        return SAMPLES.stream().filter(n -> !n.equals("004")).map(n -> dynamicTest(n + ".xml written and read again", () -> {
            AggregateReport sample = FeedbackReader.read(resource(n + ".xml"));
            assertThat(FeedbackReader.read(sample.toXml())).isEqualTo(sample);
        }));
    }

    /**
     * Every element path the writer uses appears in the samples, but for {@code envelope_to}, which
     * RFC 7489's schema has (optional) and none of the samples uses.
     */
    @Test void writerUsesTheSamplesStructure() throws Exception {
        Set<String> samplePaths = new LinkedHashSet<>();
        for (String n : SAMPLES) paths(FeedbackReader.parse(resource(n + ".xml")).getDocumentElement(), "", samplePaths);
        Set<String> ours = new LinkedHashSet<>();
        paths(FeedbackReader.parse(fullReport().toXml()).getDocumentElement(), "", ours);
        ours.remove("/feedback/record/identifiers/envelope_to");
        assertThat(samplePaths).containsAll(ours);
        assertThat(ours).contains("/feedback/record/row/policy_evaluated/reason/type", "/feedback/record/identifiers/envelope_from",
                "/feedback/record/auth_results/spf/scope", "/feedback/policy_published/np");
    }

    private static void paths(Element e, String parent, Set<String> out) {
        String path = parent + "/" + e.getLocalName();
        out.add(path);
        for (Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) if (n instanceof Element c) paths(c, path, out);
    }

    static ReportMetadata metadata() {
        return new ReportMetadata("Facteur at mx.example.net", "dmarc-reports@mx.example.net", Optional.of("https://mx.example.net/dmarc"),
                "1700000000.example.com@mx.example.net", Instant.ofEpochSecond(1_700_000_000), Instant.ofEpochSecond(1_700_086_399));
    }

    static ReportRecord message(String ip, String headerFrom) {
        return new ReportRecord(InetAddress.ofLiteral(ip), new PolicyEvaluated(Policy.NONE, true, false, List.of()),
                new Identifiers(headerFrom, Optional.of("bounce.example.com"), Optional.of("example.net")),
                List.of(new DkimResult("example.com", Optional.of("s1"), "pass", Optional.empty())),
                List.of(new SpfResult("bounce.example.com", Optional.of(SpfScope.MFROM), "pass", Optional.empty())));
    }

    static AggregateReport fullReport() {
        var withReason = message("2001:db8::25", "example.com").withOverride(Policy.NONE,
                new OverrideReason(OverrideReason.LOCAL_POLICY, Optional.of("forwarder we trust")));
        return new AggregateReport(metadata(),
                PolicyPublished.of("example.com", DmarcRecordTest.valid("v=DMARC1; p=reject; sp=quarantine; np=reject; pct=100; fo=1")),
                List.of(new ReportRow(message("192.0.2.1", "example.com"), 3), new ReportRow(withReason, 1)));
    }

    @Test void documentIsWhatReceiversSend() throws Exception {
        String xml = new String(fullReport().toXml(), StandardCharsets.UTF_8);
        assertThat(xml).startsWith("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feedback>\n  <version>1.0</version>\n");
        assertThat(xml).contains("<policy_published>\n    <domain>example.com</domain>\n    <adkim>r</adkim>\n    <aspf>r</aspf>\n"
                + "    <p>reject</p>\n    <sp>quarantine</sp>\n    <np>reject</np>\n    <pct>100</pct>\n    <fo>1</fo>\n  </policy_published>");
        assertThat(xml).contains("<source_ip>2001:db8::25</source_ip>", "<count>3</count>", "<type>local_policy</type>");
        assertThat(xml).doesNotContain("xmlns", "<testing>");
        assertThat(FeedbackReader.read(xml.getBytes(StandardCharsets.UTF_8))).isEqualTo(fullReport());
    }

    @Test void buildTakesTheRecordAsPublished() throws Exception {
        byte[] xml = AggregateReport.build("example.com", DmarcRecordTest.valid("v=DMARC1; p=none; t=y; adkim=s"),
                List.of(new ReportRow(message("192.0.2.1", "example.com"), 1)), metadata());
        AggregateReport read = FeedbackReader.read(xml);
        assertThat(read.policy().testing()).hasValue(true);
        assertThat(read.policy().adkim()).isEqualTo(AlignmentMode.STRICT);
        assertThat(read.policy().np()).isEmpty();
    }

    @Test void hostileValuesCannotBreakTheDocument() throws Exception {
        String hostile = "<evil attr=\"x\">&amp; ]]> \u0000\u0007\u001b \uD800 \uFFFE tab\tcr\rlf\n 😀 é";
        var r = new ReportRecord(InetAddress.ofLiteral("192.0.2.9"), new PolicyEvaluated(Policy.REJECT, false, false,
                List.of(new OverrideReason("other", Optional.of(hostile)))),
                new Identifiers(hostile, Optional.of(""), Optional.empty()),
                List.of(new DkimResult(hostile, Optional.of(hostile), "fail", Optional.of(hostile))),
                List.of(new SpfResult(hostile, Optional.empty(), "none", Optional.empty())));
        var meta = new ReportMetadata("</org_name><injected/>", "a@b.example", Optional.empty(), "x@y", Instant.EPOCH, Instant.EPOCH);
        byte[] xml = new AggregateReport(meta, fullReport().policy(), List.of(new ReportRow(r, 1))).toXml();

        Element feedback = FeedbackReader.parse(xml).getDocumentElement(); // well-formed, or this throws
        String expected = "<evil attr=\"x\">&amp; ]]> \uFFFD\uFFFD\uFFFD \uFFFD \uFFFD tab\tcr\rlf\n 😀 é";
        Element record = FeedbackReader.child(feedback, "record").orElseThrow();
        assertThat(FeedbackReader.child(record, "identifiers").orElseThrow().getElementsByTagName("header_from").item(0).getTextContent())
                .isEqualTo(expected);
        assertThat(FeedbackReader.child(FeedbackReader.child(feedback, "report_metadata").orElseThrow(), "org_name").orElseThrow()
                .getTextContent()).isEqualTo("</org_name><injected/>");
        assertThat(feedback.getElementsByTagName("injected").getLength()).isZero();
        assertThat(FeedbackReader.child(record, "identifiers").orElseThrow().getElementsByTagName("envelope_from").item(0).getTextContent())
                .as("a null reverse-path: present but empty (RFC 9990 §2.1.1)").isEmpty();
    }

    @Test void gzipRoundTrip() throws Exception { // RFC 1952
        AggregateReport report = fullReport();
        byte[] gz = report.toGzip();
        assertThat(gz[0] & 0xff).isEqualTo(0x1f);
        assertThat(gz[1] & 0xff).isEqualTo(0x8b);
        try (var in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
            assertThat(in.readAllBytes()).isEqualTo(report.toXml());
        }
    }

    @Test void fileNameFollowsTheRfc() { // RFC 7489 §7.2.1.1
        assertThat(fullReport().fileName("mx.example.net")).isEqualTo("mx.example.net!example.com!1700000000!1700086399.xml.gz");
    }

    @Test void aReportHasRecords() {
        assertThatThrownBy(() -> new AggregateReport(metadata(), fullReport().policy(), List.of())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test void reportIdsAreDotAtoms() { // RFC 9990 §2.5.1
        assertThat(ReportMetadata.reportId("example.com", Instant.ofEpochSecond(1_700_000_000), "mx.example.net"))
                .isEqualTo("1700000000.example.com@mx.example.net");
        assertThatThrownBy(() -> new ReportMetadata("o", "e@x", Optional.empty(), "id with\r\nSubject: x", Instant.EPOCH, Instant.EPOCH))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test void identicalMessagesMakeOneRow() {
        var a = message("192.0.2.1", "example.com");
        var b = message("192.0.2.2", "example.com");
        assertThat(ReportRow.count(List.of(a, b, a, a))).containsExactly(new ReportRow(a, 3), new ReportRow(b, 1));
    }

    @Test void ipv6IsWrittenShort() { // RFC 5952 §4
        assertThat(FeedbackWriter.address(InetAddress.ofLiteral("2001:db8:0:0:1:0:0:1"))).isEqualTo("2001:db8::1:0:0:1");
        assertThat(FeedbackWriter.address(InetAddress.ofLiteral("2001:db8:0:1:1:1:1:1"))).isEqualTo("2001:db8:0:1:1:1:1:1");
        assertThat(FeedbackWriter.address(InetAddress.ofLiteral("::1"))).isEqualTo("::1");
        assertThat(FeedbackWriter.address(InetAddress.ofLiteral("fe80::"))).isEqualTo("fe80::");
    }

    @Test void recordOfAnEvaluatedMessage() {
        var dns = new FakeDnsResolver().withTxt("_dmarc.example.com", "v=DMARC1; p=reject; t=y");
        var auth = new AuthResults(Optional.of(new SpfAuth("bounce.other.example", SpfScope.MFROM, "pass")),
                List.of(new DkimAuth("example.com", "s1", "fail (signature expired)")));
        DmarcResult result = new DmarcEvaluator(dns, OrgDomainMethod.TREE_WALK, null).evaluate("example.com", auth);
        ReportRecord r = ReportRecord.of(result, InetAddress.ofLiteral("192.0.2.7"), Optional.of("bounce.other.example"),
                Optional.of("example.net"), auth);
        assertThat(r.policyEvaluated().disposition()).isEqualTo(Policy.QUARANTINE);
        assertThat(r.policyEvaluated().dkimAligned()).isFalse();
        assertThat(r.policyEvaluated().spfAligned()).isFalse();
        assertThat(r.policyEvaluated().reasons()).extracting(OverrideReason::type).containsExactly("policy_test_mode");
        assertThat(r.dkim()).containsExactly(new DkimResult("example.com", Optional.of("s1"), "fail", Optional.of("signature expired")));
        assertThat(r.spf()).containsExactly(new SpfResult("bounce.other.example", Optional.of(SpfScope.MFROM), "pass", Optional.empty()));
        assertThat(r.identifiers()).isEqualTo(new Identifiers("example.com", Optional.of("bounce.other.example"), Optional.of("example.net")));
    }

    @Test void aggregatorClosesUtcDays() {
        var aggregator = new ReportAggregator(Duration.ofDays(1));
        DmarcRecord record = DmarcRecordTest.valid("v=DMARC1; p=none; rua=mailto:d@example.com");
        Instant day = Instant.parse("2026-11-30T00:00:00Z");
        aggregator.add(day.plusSeconds(10), "example.com", record, message("192.0.2.1", "example.com"));
        aggregator.add(day.plusSeconds(20), "example.com", record, message("192.0.2.1", "example.com"));
        aggregator.add(day.plusSeconds(30), "example.org", record, message("192.0.2.1", "example.org"));
        aggregator.add(day.plus(Duration.ofDays(1)), "example.com", record, message("192.0.2.1", "example.com"));

        assertThat(aggregator.takeEnded(day.plus(Duration.ofHours(23)))).isEmpty();
        List<ReportAggregator.Pending> ended = aggregator.takeEnded(day.plus(Duration.ofDays(1)));
        assertThat(ended).extracting(ReportAggregator.Pending::policyDomain).containsExactly("example.com", "example.org");
        assertThat(ended.getFirst().rows()).extracting(ReportRow::count).containsExactly(2L);
        assertThat(ended.getFirst().begin()).isEqualTo(day);
        assertThat(ended.getFirst().end()).isEqualTo(Instant.parse("2026-11-30T23:59:59Z"));
        assertThat(ended.getFirst().report("Facteur", "r@mx.example.net", "mx.example.net").metadata().reportId())
                .isEqualTo(day.getEpochSecond() + ".example.com@mx.example.net");
        assertThat(aggregator.takeEnded(day.plus(Duration.ofDays(3)))).hasSize(1);
    }
}
