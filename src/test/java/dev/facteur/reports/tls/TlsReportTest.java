package dev.facteur.reports.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.facteur.reports.tls.TlsReport.FailureDetail;
import dev.facteur.reports.tls.TlsReport.PolicyResult;
import java.io.ByteArrayInputStream;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** RFC 8460 §4: the report's JSON, its field names and structure exactly as §4.4 and the example of Appendix B. */
class TlsReportTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** The shape of RFC 8460 Appendix B: an MTA-STS policy in testing mode, three kinds of failure. */
    static TlsReport appendixB() {
        var policy = PolicyRef.sts(List.of("version: STSv1", "mode: testing", "mx: *.mail.company-y.example", "max_age: 86400"),
                List.of("*.mail.company-y.example"));
        return new TlsReport("Company-X", "sts-reporting@company-x.example", "2016-04-01.company-y.example@company-x.example",
                "company-y.example", LocalDate.parse("2016-04-01"), List.of(new PolicyResult(policy, 5326, List.of(
                        new FailureDetail(FailureType.STARTTLS_NOT_SUPPORTED, Optional.of("2001:db8:abcd:13::1"),
                                Optional.of("mx2.mail.company-y.example"), Optional.of("203.0.113.56"), 200, Optional.empty()),
                        new FailureDetail(FailureType.CERTIFICATE_EXPIRED, Optional.of("2001:db8:abcd:12::1"),
                                Optional.of("mx1.mail.company-y.example"), Optional.empty(), 100, Optional.empty()),
                        new FailureDetail(FailureType.VALIDATION_FAILURE, Optional.of("198.51.100.62"),
                                Optional.of("mx-backup.mail.company-y.example"), Optional.of("203.0.113.58"), 3,
                                Optional.of("X509_V_ERR_PROXY_PATH_LENGTH_EXCEEDED"))))));
    }

    private static JsonNode json(TlsReport r) {
        return JSON.readTree(r.toJson());
    }

    private static Set<String> names(JsonNode n) {
        return Set.copyOf(n.propertyNames());
    }

    @Test
    void theTopLevelFieldsAreThoseOfSection44() {
        JsonNode r = json(appendixB());
        assertThat(names(r)).containsExactlyInAnyOrder("organization-name", "date-range", "contact-info", "report-id", "policies");
        assertThat(r.get("organization-name").asString()).isEqualTo("Company-X");
        assertThat(r.get("contact-info").asString()).isEqualTo("sts-reporting@company-x.example");
        assertThat(r.get("report-id").asString()).isEqualTo("2016-04-01.company-y.example@company-x.example");
    }

    @Test
    void theDateRangeIsTheUtcDayInRfc3339() { // RFC 8460 §4.1; Appendix B writes the end as 23:59:59Z
        JsonNode range = json(appendixB()).get("date-range");
        assertThat(names(range)).containsExactlyInAnyOrder("start-datetime", "end-datetime");
        assertThat(range.get("start-datetime").asString()).isEqualTo("2016-04-01T00:00:00Z");
        assertThat(range.get("end-datetime").asString()).isEqualTo("2016-04-01T23:59:59Z");
    }

    @Test
    void eachPolicyHasItsPolicySummaryAndFailureDetails() { // RFC 8460 §4.2, §4.4
        JsonNode p = json(appendixB()).get("policies");
        assertThat(p.isArray()).isTrue();
        assertThat(p).hasSize(1);
        JsonNode entry = p.get(0);
        assertThat(names(entry)).containsExactlyInAnyOrder("policy", "summary", "failure-details");
        JsonNode policy = entry.get("policy");
        assertThat(names(policy)).containsExactlyInAnyOrder("policy-type", "policy-string", "policy-domain", "mx-host");
        assertThat(policy.get("policy-type").asString()).isEqualTo("sts");
        assertThat(policy.get("policy-string")).extracting(JsonNode::asString)
                .containsExactly("version: STSv1", "mode: testing", "mx: *.mail.company-y.example", "max_age: 86400");
        assertThat(policy.get("policy-domain").asString()).isEqualTo("company-y.example");
        assertThat(policy.get("mx-host")).extracting(JsonNode::asString).containsExactly("*.mail.company-y.example");
        JsonNode summary = entry.get("summary");
        assertThat(names(summary)).containsExactlyInAnyOrder("total-successful-session-count", "total-failure-session-count");
        assertThat(summary.get("total-successful-session-count").isIntegralNumber()).isTrue();
        assertThat(summary.get("total-successful-session-count").asLong()).isEqualTo(5326);
        assertThat(summary.get("total-failure-session-count").asLong()).as("the failure details add up").isEqualTo(303);
    }

    @Test
    void failureDetailsCarryWhatIsKnownAndLeaveOutTheRest() { // RFC 8460 §4.3, §4.4
        JsonNode details = json(appendixB()).get("policies").get(0).get("failure-details");
        assertThat(details).hasSize(3);
        assertThat(names(details.get(0))).containsExactlyInAnyOrder("result-type", "sending-mta-ip", "receiving-mx-hostname",
                "receiving-ip", "failed-session-count");
        assertThat(names(details.get(1))).as("no receiving-ip known").containsExactlyInAnyOrder("result-type", "sending-mta-ip",
                "receiving-mx-hostname", "failed-session-count");
        JsonNode third = details.get(2);
        assertThat(third.get("result-type").asString()).isEqualTo("validation-failure");
        assertThat(third.get("sending-mta-ip").asString()).isEqualTo("198.51.100.62");
        assertThat(third.get("receiving-ip").asString()).isEqualTo("203.0.113.58");
        assertThat(third.get("receiving-mx-hostname").asString()).isEqualTo("mx-backup.mail.company-y.example");
        assertThat(third.get("failed-session-count").asLong()).isEqualTo(3);
        assertThat(third.get("failure-reason-code").asString()).isEqualTo("X509_V_ERR_PROXY_PATH_LENGTH_EXCEEDED");
    }

    @Test
    void noPolicyFoundHasNeitherPolicyStringNorMxHost() {
        var r = new TlsReport("Facteur", "postmaster@mx.facteur.test", "2026-11-28.example.com@mx.facteur.test", "example.com",
                LocalDate.parse("2026-11-28"), List.of(new PolicyResult(PolicyRef.noPolicyFound(), 7, List.of())));
        JsonNode entry = json(r).get("policies").get(0);
        assertThat(names(entry.get("policy"))).containsExactlyInAnyOrder("policy-type", "policy-domain");
        assertThat(entry.get("policy").get("policy-type").asString()).isEqualTo("no-policy-found");
        assertThat(entry.get("failure-details")).isEmpty();
    }

    @Test
    void tlsaPolicyStringsAreTheRecordsAndItsMxHostTheHost() { // RFC 8460 §4.2's DANE example
        var tlsa = PolicyRef.tlsa(List.of("3 0 1 1F850A337E6DB9C609C522D136A475638CC43E1ED424F8EEC8513D747D1D085D"), "mail.example.com");
        var r = new TlsReport("Facteur", "postmaster@mx.facteur.test", "2026-11-28.example.com@mx.facteur.test", "example.com",
                LocalDate.parse("2026-11-28"), List.of(new PolicyResult(tlsa, 1, List.of())));
        JsonNode policy = json(r).get("policies").get(0).get("policy");
        assertThat(policy.get("policy-type").asString()).isEqualTo("tlsa");
        assertThat(policy.get("policy-string").get(0).asString()).startsWith("3 0 1 1F850A33");
        assertThat(policy.get("mx-host").get(0).asString()).isEqualTo("mail.example.com");
    }

    @Test
    void everyResultTypeHasItsRfcName() { // RFC 8460 §4.3
        assertThat(List.of(FailureType.values())).extracting(FailureType::token).containsExactly("starttls-not-supported",
                "certificate-host-mismatch", "certificate-expired", "certificate-not-trusted", "validation-failure", "tlsa-invalid",
                "dnssec-invalid", "dane-required", "sts-policy-fetch-error", "sts-policy-invalid", "sts-webpki-invalid");
        assertThat(List.of(PolicyRef.Type.values())).extracting(PolicyRef.Type::token).containsExactly("sts", "tlsa", "no-policy-found");
    }

    @Test
    void theGzipHoldsTheJson() throws Exception { // RFC 8460 §5.2
        TlsReport r = appendixB();
        try (var in = new GZIPInputStream(new ByteArrayInputStream(r.toGzip()))) {
            assertThat(in.readAllBytes()).isEqualTo(r.toJson());
        }
    }

    @Test
    void theFileNameIsSubmitterDomainBeginEnd() { // RFC 8460 §5.1
        assertThat(appendixB().fileName("company-x.example"))
                .isEqualTo("company-x.example!company-y.example!" + Instant.parse("2016-04-01T00:00:00Z").getEpochSecond() + "!"
                        + Instant.parse("2016-04-01T23:59:59Z").getEpochSecond() + ".json.gz");
    }

    @Test
    void theReportIdIsAMsgIdForTheSubject() { // RFC 8460 §5.3: "Report-ID:" msg-id
        assertThat(TlsReport.reportId(LocalDate.parse("2026-11-28"), "example.com", "mx.facteur.test"))
                .isEqualTo("2026-11-28.example.com@mx.facteur.test");
        assertThatThrownBy(() -> new TlsReport("o", "c", "no-at-sign", "example.com", LocalDate.parse("2026-11-28"), List.of()))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
