package dev.facteur.auth.arc;

import static dev.facteur.auth.arc.ArcTestData.CLOCK;
import static dev.facteur.auth.arc.ArcTestData.crlf;
import static dev.facteur.auth.arc.ArcTestData.dns;
import static dev.facteur.auth.arc.ArcTestData.stream;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import tools.jackson.databind.JsonNode;

/**
 * The ValiMail ARC test suite's 171 validation cases (valimail/arc-draft-validation-tests.yml,
 * written against draft-ietf-dmarc-arc-protocol-18, which became RFC 8617; MIT licence, see
 * valimail/LICENSE-arc_test_suite), one dynamic test each, grouped by scenario. Each message is
 * stored with LF line ends and checked with CRLF, as it travels; each scenario's keys are served
 * by a fake resolver.
 *
 * <p>Three cases expect nothing ({@code cv: |}): cv_fail_i1_as_cv_fail, cv_fail_i2_as2_fail and
 * cv_fail_i2_as1_fail, where the suite's reference (dkimpy) gave no result. RFC 8617 §5.2 steps
 * 2 and 3.C make a chain with a seal that says cv=fail fail, so they are expected to fail here.
 *
 * <p>One case is answered otherwise than the suite, on purpose ({@link #DEVIATIONS}). One fails
 * for another reason than its name says: in as_fields_t_empty the ARC-Authentication-Results
 * line is indented into the message signature above it, so that signature does not read and the
 * set has no results field; the chain fails either way.
 */
class ArcValidationSuiteTest {

    static final String SUITE = "valimail/arc-draft-validation-tests.yml";

    /**
     * Cases where Facteur follows RFC 8617 rather than the suite: the case, the status Facteur
     * gives, and why.
     *
     * <p>ams_fields_c_na: the message signature has no c=, and was made with relaxed header
     * canonicalization. The suite's reference (dkimpy, "only relaxed canonicalization used by
     * ARC") reads a missing c= as relaxed/relaxed. RFC 8617 §4.1.2 gives the AMS "the same syntax
     * and semantics as the DKIM-Signature field" but for three named differences, none about c=,
     * and RFC 6376 §3.5 makes a missing c= simple/simple; under simple the signature does not
     * verify. No sealer seen in the wild leaves c= out, so the stricter reading costs nothing.
     */
    static final Map<String, String> DEVIATIONS = Map.of("ams_fields_c_na", "fail");

    @TestFactory
    Stream<DynamicNode> everyCaseGivesTheSuitesChainValidationStatus() {
        List<DynamicNode> scenarios = new ArrayList<>();
        int cases = 0;
        for (JsonNode scenario : ArcTestData.yamlDocuments(SUITE)) {
            ArcVerifier verifier = new ArcVerifier(dns(scenario.get("txt-records")), CLOCK);
            List<DynamicTest> tests = new ArrayList<>();
            for (Map.Entry<String, JsonNode> test : scenario.get("tests").properties()) {
                String message = crlf(test.getValue().get("message").asString());
                String suite = expected(test.getValue().get("cv").asString());
                String expected = DEVIATIONS.getOrDefault(test.getKey(), suite);
                String name = test.getKey() + " → " + expected + (expected.equals(suite) ? "" : " (the suite says " + suite + "; see DEVIATIONS)");
                tests.add(DynamicTest.dynamicTest(name, () -> {
                    ArcResult result = verifier.verify(stream(message));
                    assertThat(result.status().toString()).as("%s: %s", test.getKey(), result).isEqualTo(expected);
                }));
            }
            cases += tests.size();
            scenarios.add(DynamicContainer.dynamicContainer(scenario.get("description").asString().strip(), tests));
        }
        assertThat(cases).isEqualTo(171);
        assertThat(DEVIATIONS).hasSize(1);
        return scenarios.stream();
    }

    /** The suite writes Pass, Fail, None; an empty expectation is a failed chain (see the class comment). */
    static String expected(String cv) {
        String status = cv.strip().toLowerCase(Locale.ROOT);
        return status.isEmpty() ? "fail" : status;
    }
}
