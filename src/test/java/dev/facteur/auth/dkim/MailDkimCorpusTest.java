package dev.facteur.auth.dkim;

import static dev.facteur.auth.dkim.DkimTestData.at;
import static dev.facteur.auth.dkim.DkimTestData.bytes;
import static dev.facteur.auth.dkim.DkimTestData.crlf;
import static dev.facteur.auth.dkim.DkimTestData.dns;
import static dev.facteur.auth.dkim.DkimTestData.json;
import static dev.facteur.auth.dkim.DkimTestData.stream;
import static dev.facteur.auth.dkim.DkimTestData.text;
import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.dns.DnsResolver;
import dev.facteur.message.HeaderSection;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Mail::DKIM's verifier corpus (mail-dkim/, 79 messages from 2006-2010): every message is
 * verified, and Facteur's results are those in facteur-expected/mail-dkim.yaml. Most of the
 * corpus uses rsa-sha1, pre-RFC draft signatures or DomainKeys, which today's RFCs refuse; the
 * file says for each where Facteur's result differs from the manifest's RFC 8601 equivalent and
 * why, and checks what the case was about with the signature rewritten to today's tags
 * ({@link MailDkimToday}). Data copied from ../shared/conformance/dkim/mail-dkim (licence:
 * mail-dkim/LICENSE-Mail-DKIM). Files are read with every bare LF made CRLF (one, bad_1878954.txt,
 * is stored with LF).
 */
class MailDkimCorpusTest {

    /** After every x= of the corpus but ignore_7's, which is there to be expired. */
    private static final long NOW = 1_800_000_000L;

    private static final JsonNode FACTEUR = new YAMLMapper().readTree(bytes("facteur-expected/mail-dkim.yaml"));

    @TestFactory
    Stream<DynamicNode> everyMessageGivesTheResultsFacteurExpects() {
        DnsResolver dns = dns(text("mail-dkim/FAKE_DNS.dat"));
        var verifier = new DkimVerifier(dns, at(NOW));
        List<DynamicNode> tests = new ArrayList<>();
        for (Map.Entry<String, JsonNode> file : json("mail-dkim/expected.json").get("files").properties()) {
            String name = file.getKey();
            JsonNode upstream = file.getValue();
            JsonNode facteur = FACTEUR.get("files").get(name);
            List<String> results = facteur.get("results").valueStream().map(JsonNode::asString).toList();
            String equivalent = upstream.get("rfc8601_equivalent").asString();
            String differs = facteur.has("differs") ? " — " + FACTEUR.get("reasons").get(facteur.get("differs").asString()).asString() : "";
            String message = crlf(text("mail-dkim/corpus/" + name));
            List<DynamicTest> checks = new ArrayList<>();
            checks.add(DynamicTest.dynamicTest("Facteur: " + (results.isEmpty() ? "none" : results) + "; Mail::DKIM: "
                    + upstream.get("expected_mail_dkim").asString() + differs, () -> {
                List<DkimResult> got = verifier.verify(stream(message));
                assertThat(got).extracting(DkimResult::name).as(got.toString()).isEqualTo(results);
                if (facteur.has("cause")) assertThat(got.getFirst().cause()).isEqualTo(facteur.get("cause").asString());
                if (!agrees(results, equivalent))
                    assertThat(facteur.has("differs")).as("a result other than " + equivalent + " says why").isTrue();
            }));
            if (facteur.has("today")) {
                String today = facteur.get("today").asString();
                checks.add(DynamicTest.dynamicTest("with today's v= and a=: " + today,
                        () -> assertThat(today(firstSignature(message), dns)).isEqualTo(today)));
            }
            if (facteur.has("identity")) {
                String identity = facteur.get("identity").asString();
                checks.add(DynamicTest.dynamicTest("i= decoded: " + identity,
                        () -> assertThat(DkimSignature.parse(MailDkimToday.rewrite(firstSignature(message))).identity()).isEqualTo(identity)));
            }
            tests.add(DynamicContainer.dynamicContainer(name + (upstream.get("comment").isNull() ? "" : " (" + upstream.get("comment").asString() + ")"), checks));
        }
        assertThat(tests).hasSize(79);
        return tests.stream();
    }

    @Test
    void theSecondOfMultiple2IsTheOneMailDkimPassesAndItFailsOnlyOnSha1() throws Exception {
        // per_signature_expected: invalid, pass, fail (and a fourth with a syntax error)
        List<DkimResult> got = new DkimVerifier(dns(text("mail-dkim/FAKE_DNS.dat")), at(NOW))
                .verify(stream(crlf(text("mail-dkim/corpus/multiple_2.txt"))));
        assertThat(got).extracting(DkimResult::cause).containsExactly(
                "a=rsa-sha1 is not accepted: RFC 8301 §3.1 forbids SHA-1 for verifying",
                "a=rsa-sha1 is not accepted: RFC 8301 §3.1 forbids SHA-1 for verifying",
                "a=rsa-sha1 is not accepted: RFC 8301 §3.1 forbids SHA-1 for verifying",
                "tag list syntax error: \"synerr\" has no \"=\"");
    }

    private static boolean agrees(List<String> results, String equivalent) {
        return results.isEmpty() ? equivalent.startsWith("none") : results.stream().allMatch(equivalent::equals);
    }

    private static String firstSignature(String message) {
        int end = message.indexOf("\r\n\r\n");
        return HeaderSection.fields(end < 0 ? message : message.substring(0, end + 2)).stream()
                .filter(f -> HeaderSection.name(f).equals(DkimSignature.FIELD_NAME)).findFirst().orElseThrow();
    }

    /** The rewritten signature checked up to its key, in the verifier's order. */
    private static String today(String field, DnsResolver dns) {
        DkimSignature s;
        try {
            s = DkimSignature.parse(MailDkimToday.rewrite(field));
        } catch (PermFail e) {
            return "signature: " + e.getMessage();
        }
        if (s.expiration().isPresent() && s.expiration().get().isBefore(Instant.ofEpochSecond(NOW)))
            return "expired: x=" + s.expiration().get();
        return switch (KeyQuery.fetch(dns, s.selector(), s.domain())) {
            case KeyQuery.Answer.Unusable(String reason) -> "key: " + reason;
            case KeyQuery.Answer.TempFail(String reason) -> "tempfail: " + reason;
            case KeyQuery.Answer.Found(KeyRecord key) -> {
                try {
                    key.checkUsable(s.algorithm(), s.domain(), s.identityDomain());
                    yield "usable: " + key.bits() + "-bit key";
                } catch (PermFail e) {
                    yield "key: " + e.getMessage();
                }
            }
        };
    }
}
