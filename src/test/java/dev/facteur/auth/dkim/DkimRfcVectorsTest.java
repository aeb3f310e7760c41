package dev.facteur.auth.dkim;

import static dev.facteur.auth.dkim.DkimTestData.at;
import static dev.facteur.auth.dkim.DkimTestData.dns;
import static dev.facteur.auth.dkim.DkimTestData.json;
import static dev.facteur.auth.dkim.DkimTestData.stream;
import static dev.facteur.auth.dkim.DkimTestData.text;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import tools.jackson.databind.JsonNode;

/**
 * The RFC examples (rfc/expected.json): RFC 6376 Appendix A.2 as it was signed (pass) and as it
 * is printed (fail: its body hash is wrong), and RFC 8463 Appendix A.3 with its ed25519-sha256 and
 * rsa-sha256 signatures (pass, pass). Every expectation holds under today's RFCs as it is.
 * Data copied from ../shared/conformance/dkim/rfc (licence: rfc/LICENSE-IETF).
 */
class DkimRfcVectorsTest {

    /** After every t= of the examples, and before any x= (they have none). */
    private static final long NOW = 1_800_000_000L;

    @TestFactory
    Stream<DynamicTest> everyVectorGivesTheResultsTheManifestExpects() {
        var verifier = new DkimVerifier(dns(text("rfc/dns-records.txt")), at(NOW));
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode vector : json("rfc/expected.json").get("vectors")) {
            String file = vector.get("file").asString();
            List<String> expected = vector.get("expected").valueStream().map(JsonNode::asString).toList();
            tests.add(DynamicTest.dynamicTest(file + " → " + expected, () -> {
                List<DkimResult> results = verifier.verify(stream(text("rfc/" + file)));
                assertThat(results).extracting(DkimResult::name).as(results.toString()).isEqualTo(expected);
            }));
        }
        assertThat(tests).hasSize(3);
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> theCausesAreTheOnesTheManifestGives() throws Exception {
        var verifier = new DkimVerifier(dns(text("rfc/dns-records.txt")), at(NOW));
        return Stream.of(
                DynamicTest.dynamicTest("A.2 as printed: body hash", () -> assertThat(verifier.verify(stream(text("rfc/rfc6376-A2-as-printed.eml"))))
                        .singleElement().extracting(DkimResult::cause).isEqualTo("body hash did not verify")),
                DynamicTest.dynamicTest("RFC 8463 A.3: both method results", () -> assertThat(verifier.verify(stream(text("rfc/rfc8463-A3.eml"))))
                        .extracting(DkimResult::methodResult).containsExactly(
                                "dkim=pass header.d=football.example.com header.i=@football.example.com header.s=brisbane header.a=ed25519-sha256 header.b=\"/gCrinpc\"",
                                "dkim=pass header.d=football.example.com header.i=@football.example.com header.s=test header.a=rsa-sha256 header.b=F45dVWDf")));
    }
}
