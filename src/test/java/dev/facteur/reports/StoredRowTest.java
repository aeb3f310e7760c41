package dev.facteur.reports;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.facteur.auth.dmarc.AuthResults.SpfScope;
import dev.facteur.auth.dmarc.Policy;
import dev.facteur.auth.dmarc.ReportRecord;
import dev.facteur.auth.dmarc.ReportRecord.DkimResult;
import dev.facteur.auth.dmarc.ReportRecord.Identifiers;
import dev.facteur.auth.dmarc.ReportRecord.OverrideReason;
import dev.facteur.auth.dmarc.ReportRecord.PolicyEvaluated;
import dev.facteur.auth.dmarc.ReportRecord.SpfResult;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A report row as the store keeps it: named fields, one fixed text per record, read back equal. */
class StoredRowTest {

    static final ReportRecord FULL = new ReportRecord(InetAddress.ofLiteral("2001:db8::25"),
            new PolicyEvaluated(Policy.QUARANTINE, false, true,
                    List.of(new OverrideReason(OverrideReason.LOCAL_POLICY, Optional.of("on_reject = quarantine")))),
            new Identifiers("example.com", Optional.of("bounces.example.com"), Optional.empty()),
            List.of(new DkimResult("example.com", Optional.of("s1"), "fail", Optional.of("body hash did not verify")),
                    new DkimResult("esp.test", Optional.empty(), "pass", Optional.empty())),
            List.of(new SpfResult("bounces.example.com", Optional.of(SpfScope.MFROM), "pass", Optional.empty())));

    static final ReportRecord NULL_SENDER = new ReportRecord(InetAddress.ofLiteral("192.0.2.1"),
            new PolicyEvaluated(Policy.NONE, true, false, List.of()), new Identifiers("example.com", Optional.of(""), Optional.empty()),
            List.of(), List.of(new SpfResult("mta.example.com", Optional.of(SpfScope.HELO), "none", Optional.empty())));

    @Test
    void theFormatIsPinned() { // changing it strands the rows of the day's reports: give it a new "v"
        assertThat(StoredRow.write(FULL)).isEqualTo("{\"v\":1,\"source_ip\":\"2001:db8:0:0:0:0:0:25\",\"disposition\":\"quarantine\","
                + "\"dkim\":\"fail\",\"spf\":\"pass\",\"reason\":[{\"type\":\"local_policy\",\"comment\":\"on_reject = quarantine\"}],"
                + "\"header_from\":\"example.com\",\"envelope_from\":\"bounces.example.com\","
                + "\"auth_dkim\":[{\"domain\":\"example.com\",\"selector\":\"s1\",\"result\":\"fail\",\"human_result\":\"body hash did not verify\"},"
                + "{\"domain\":\"esp.test\",\"result\":\"pass\"}],"
                + "\"auth_spf\":[{\"domain\":\"bounces.example.com\",\"scope\":\"mfrom\",\"result\":\"pass\"}]}");
    }

    @Test
    void aRecordReadsBackEqual() {
        assertThat(StoredRow.read(StoredRow.write(FULL))).isEqualTo(FULL);
        assertThat(StoredRow.read(StoredRow.write(NULL_SENDER))).isEqualTo(NULL_SENDER);
    }

    @Test
    void anEmptyEnvelopeFromStaysApartFromNone() { // RFC 7489 Appendix C: a null reverse-path
        ReportRecord none = new ReportRecord(NULL_SENDER.sourceIp(), NULL_SENDER.policyEvaluated(),
                new Identifiers("example.com", Optional.empty(), Optional.empty()), NULL_SENDER.dkim(), NULL_SENDER.spf());
        assertThat(StoredRow.write(none)).isNotEqualTo(StoredRow.write(NULL_SENDER));
        assertThat(StoredRow.read(StoredRow.write(none))).isEqualTo(none);
    }

    @Test
    void equalRecordsAreEqualText() { // so that the store counts them as one row
        ReportRecord again = StoredRow.read(StoredRow.write(FULL));
        assertThat(StoredRow.write(again)).isEqualTo(StoredRow.write(FULL));
    }

    @Test
    void textFromTheWireComesBackAsItWent() {
        ReportRecord odd = new ReportRecord(NULL_SENDER.sourceIp(), NULL_SENDER.policyEvaluated(),
                new Identifiers("ex\"ample|é.com", Optional.of("a\\b\r\n"), Optional.empty()), List.of(), List.of());
        assertThat(StoredRow.read(StoredRow.write(odd))).isEqualTo(odd);
    }

    @Test
    void anotherVersionOrNoJsonIsRefused() {
        assertThatThrownBy(() -> StoredRow.read("{\"v\":2}")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("version 1");
        assertThatThrownBy(() -> StoredRow.read("row 7")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> StoredRow.read("{\"v\":1,\"source_ip\":\"192.0.2.1\"}")).isInstanceOf(IllegalArgumentException.class);
    }
}
