package dev.facteur.bounce;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.facteur.bounce.Report.Complaint;
import dev.facteur.testing.TestResources;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The five feedback reports of stalwartlabs/mail-auth ({@code arf-mail-auth/}, Apache-2.0 OR
 * MIT, see the LICENSE files beside them): RFC 5965's examples, an RFC 6591 DKIM failure, an
 * OpenDMARC failure report, and RFC 6591's own example. Each is compared field by field with
 * mail-auth's parse of it ({@code NNN.json}); the returned header too, where mail-auth keeps it.
 * mail-auth writes enums ({@code "AuthFailure"}, {@code "BodyHash"}, {@code "Unspecified"} for
 * absent) where Facteur keeps the RFC's tokens, and keeps folded values with their line breaks
 * where Facteur unfolds them: both are compared in one form.
 */
class MailAuthFeedbackTest {

    @TestFactory
    Stream<DynamicTest> reportsReadAsMailAuthReadsThem() {
        return IntStream.rangeClosed(1, 5).mapToObj(i -> String.format("%03d", i)).map(n -> dynamicTest(n, () -> {
            JsonNode want = json("arf-mail-auth/" + n + ".json");
            Report report = ReportParser.read(TestResources.bytes(MailAuthFeedbackTest.class, "arf-mail-auth/" + n + ".eml"), ReportLimits.DEFAULT, 0);
            assertThat(report).isInstanceOf(Complaint.class);
            Complaint c = (Complaint) report;
            FeedbackReport f = c.feedback();
            assertThat(c.standard()).isTrue();
            assertThat(f.feedbackType()).isEqualTo(token(want.get("feedback_type").asString()));
            assertThat(f.userAgent()).isEqualTo(text(want, "user_agent"));
            assertThat(f.version()).isEqualTo(Optional.of(want.get("version").asString()));
            assertThat(f.incidents()).isEqualTo(want.get("incidents").asInt());
            assertThat(f.arrivalDate()).isEqualTo(want.get("arrival_date").isNull() ? Optional.empty()
                    : Optional.of(Instant.ofEpochSecond(want.get("arrival_date").asLong())));
            assertThat(f.originalEnvelopeId()).isEqualTo(text(want, "original_envelope_id"));
            assertThat(f.originalMailFrom()).isEqualTo(text(want, "original_mail_from"));
            assertThat(f.originalRcptTo().stream().findFirst()).isEqualTo(text(want, "original_rcpt_to"));
            assertThat(f.reportingMta()).isEqualTo(text(want, "reporting_mta"));
            assertThat(f.sourceIp()).isEqualTo(text(want, "source_ip"));
            assertThat(squeezed(f.authenticationResults())).isEqualTo(squeezed(strings(want.get("authentication_results"))));
            assertThat(f.reportedDomains()).isEqualTo(strings(want.get("reported_domain")));
            assertThat(f.reportedUris()).isEqualTo(strings(want.get("reported_uri")));
            assertThat(f.authFailure()).isEqualTo(enumToken(want, "auth_failure"));
            // RFC 6591 §3.1 fields without a place of their own in FeedbackReport
            assertThat(f.fields().first("Delivery-Result")).isEqualTo(enumToken(want, "delivery_result"));
            assertThat(f.fields().first("Identity-Alignment")).isEqualTo(enumToken(want, "identity_alignment"));
            assertThat(f.fields().first("DKIM-Domain")).isEqualTo(text(want, "dkim_domain"));
            assertThat(f.fields().first("DKIM-Identity")).isEqualTo(text(want, "dkim_identity"));
            assertThat(f.fields().first("DKIM-Selector")).isEqualTo(text(want, "dkim_selector"));
            assertThat(f.fields().first("DKIM-Selector-DNS")).isEqualTo(text(want, "dkim_selector_dns"));
            assertThat(f.fields().first("DKIM-ADSP-DNS")).isEqualTo(text(want, "dkim_adsp_dns"));
            assertThat(f.fields().first("SPF-DNS")).isEqualTo(text(want, "spf_dns"));
            assertThat(f.fields().first("DKIM-Canonicalized-Header").map(MailAuthFeedbackTest::noSpace))
                    .isEqualTo(text(want, "dkim_canonicalized_header").map(MailAuthFeedbackTest::noSpace));
            assertThat(f.fields().first("DKIM-Canonicalized-Body").map(MailAuthFeedbackTest::noSpace))
                    .isEqualTo(text(want, "dkim_canonicalized_body").map(MailAuthFeedbackTest::noSpace));
            if (!want.get("headers").isNull()) {
                List<String> lines = FieldLines.lines(want.get("headers").asString());
                assertThat(c.original().header()).isEqualTo(FieldLines.read(lines, 0, 500).fields());
                assertThat(c.original().bodyIncluded()).isFalse();
            }
        }));
    }

    /** mail-auth's enum names for feedback types: {@code AuthFailure} is {@code auth-failure}. */
    private static String token(String enumName) {
        return enumName.replaceAll("([a-z])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    }

    /** mail-auth's enum for a token, {@code Unspecified} when the field is absent: {@code BodyHash} is {@code bodyhash}. */
    private static Optional<String> enumToken(JsonNode want, String key) {
        String v = want.get(key).asString();
        return v.equals("Unspecified") ? Optional.empty() : Optional.of(v.toLowerCase(Locale.ROOT));
    }

    private static Optional<String> text(JsonNode want, String key) {
        return want.get(key).isNull() ? Optional.empty() : Optional.of(want.get(key).asString());
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        for (JsonNode n : array) out.add(n.asString());
        return out;
    }

    private static List<String> squeezed(List<String> values) {
        return values.stream().map(v -> v.replaceAll("\\s+", " ")).toList();
    }

    private static String noSpace(String v) {
        return v.replaceAll("\\s+", "");
    }

    private static JsonNode json(String name) throws Exception {
        try (InputStream in = MailAuthFeedbackTest.class.getResourceAsStream(name)) {
            return JsonMapper.builder().build().readTree(in);
        }
    }
}
