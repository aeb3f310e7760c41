package dev.facteur.auth.spf;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.MappingIterator;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * The OpenSPF RFC 7208 test suite (rfc7208-tests.yml, from pyspf's repository; BSD licence in
 * LICENSE-rfc7208-tests beside it): 203 cases in 16 scenarios, each with the DNS it needs. Every
 * case runs as a test of its own, named by scenario and id, and {@link #everyCaseAgrees} counts.
 *
 * <p>Where the suite accepts several results, any of them passes. Explanations are compared
 * exactly, with the one exception listed in {@link #EXPLANATION_IGNORING_CASE}.
 */
class SpfConformanceTest {

    private static final String SUITE = "rfc7208-tests.yml";
    private static final int CASES = 203;

    /**
     * Cases whose explanation is compared without regard to case, with the reason. Nothing else is
     * relaxed: every case passes on result and explanation.
     */
    private static final Map<String, String> EXPLANATION_IGNORING_CASE = Map.of(
            "v-macro-ip6",
            "The suite expects %{ir} of an IPv6 client in upper-case nibbles (pyspf's output); RFC 7208 §7.4 "
                    + "shows them lower-case (1.0.b.c.0.0...ip6._spf.example.com), and Facteur follows the RFC. DNS "
                    + "names are case-insensitive, so only the text of the explanation differs.");

    /** One case of the suite. */
    record Case(String scenario, String id, JsonNode test, SuiteZone zone) {

        String name() {
            return scenario + ": " + id;
        }

        List<String> expectedResults() {
            JsonNode r = test.get("result");
            if (!r.isArray()) return List.of(r.asString());
            var all = new ArrayList<String>();
            r.forEach(n -> all.add(n.asString()));
            return all;
        }

        /** The suite's driver checks the MAIL FROM identity, which for "" is postmaster at the HELO name. */
        SpfCheck run() {
            var settings = new SpfSettings("receiver.example.net", "DEFAULT", Clock.fixed(Instant.parse("2026-12-01T00:00:00Z"), ZoneOffset.UTC));
            var spf = new Spf(zone, settings);
            return spf.checkMailFrom(InetAddress.ofLiteral(test.get("host").asString()), test.get("mailfrom").asString(),
                    test.get("helo").asString());
        }

        /** Null when the case passes, else what went wrong. */
        String disagreement() {
            SpfResult result = run().result();
            if (!expectedResults().contains(result.keyword()))
                return name() + ": expected " + expectedResults() + ", got " + result;
            JsonNode explanation = test.get("explanation");
            if (explanation == null) return null;
            if (!(result instanceof SpfResult.Fail fail)) return name() + ": an explanation expected, got " + result;
            String want = explanation.asString();
            boolean same = EXPLANATION_IGNORING_CASE.containsKey(id) ? want.equalsIgnoreCase(fail.explanation()) : want.equals(fail.explanation());
            return same ? null : name() + ": explanation '" + fail.explanation() + "', expected '" + want + "'";
        }
    }

    static List<Case> suite() throws IOException {
        var cases = new ArrayList<Case>();
        try (InputStream in = SpfConformanceTest.class.getResourceAsStream(SUITE);
             MappingIterator<JsonNode> scenarios = new YAMLMapper().readerFor(JsonNode.class).readValues(in)) {
            while (scenarios.hasNext()) {
                JsonNode scenario = scenarios.next();
                var zone = new SuiteZone(scenario.get("zonedata"));
                String description = scenario.get("description").asString();
                for (var test : scenario.get("tests").properties())
                    cases.add(new Case(description, test.getKey(), test.getValue(), zone));
            }
        }
        return cases;
    }

    @TestFactory
    Stream<DynamicTest> eachCase() throws IOException {
        return suite().stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> assertThat(c.disagreement()).isNull()));
    }

    @Test
    void everyCaseAgrees() throws IOException {
        List<Case> cases = suite();
        List<String> disagreements = cases.stream().map(Case::disagreement).filter(d -> d != null).toList();
        System.out.printf("SPF conformance: %d of %d RFC 7208 suite cases pass%n", cases.size() - disagreements.size(), cases.size());
        assertThat(cases).as("cases in " + SUITE).hasSize(CASES);
        assertThat(disagreements).isEmpty();
    }
}
