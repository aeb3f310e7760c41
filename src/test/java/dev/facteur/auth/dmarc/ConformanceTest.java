package dev.facteur.auth.dmarc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.facteur.auth.dmarc.AuthResults.DkimAuth;
import dev.facteur.auth.dmarc.AuthResults.SpfAuth;
import dev.facteur.auth.dmarc.AuthResults.SpfScope;
import dev.facteur.testing.FakeDnsResolver;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The DMARC cases of {@code dmarc-cases.json}: inputs and results transcribed from the unit tests
 * of stalwartlabs/mail-auth (Apache-2.0 OR MIT, see the LICENSE files next to it). Each case runs
 * with both ways of finding Organizational Domains; they agree on all of them.
 *
 * <p>One expectation differs on purpose, listed in {@link #DIFFERENCES}: the URI
 * {@code mailto:user%20@example.com} decodes to {@code user @example.com}, which is no address;
 * mail-auth drops the space and sends to {@code user@example.com}, Facteur drops the URI rather
 * than guess whose mailbox was meant.
 */
class ConformanceTest {

    private static final JsonNode CASES = load();

    /** Expected rua addresses that Facteur deliberately does not produce, by record. */
    private static final Map<String, List<String>> DIFFERENCES = Map.of(
            "mailto:user%20@example.com ! 2G", List.of("user@example.com"));

    private static JsonNode load() {
        try (InputStream in = ConformanceTest.class.getResourceAsStream("dmarc-cases.json")) {
            return JsonMapper.builder().build().readTree(in);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @TestFactory Stream<DynamicTest> recordParsing() {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : CASES.get("record_parsing")) {
            String text = c.get("record").asString();
            tests.add(dynamicTest("record: " + text, () -> {
                DmarcRecord r = DmarcRecordTest.valid(text);
                JsonNode e = c.get("expected");
                assertThat(r.p().token()).isEqualTo(e.get("p").asString());
                assertThat(r.subdomainPolicy().token()).isEqualTo(e.get("sp").asString());
                assertThat(r.nonExistentPolicy().token()).isEqualTo(e.get("np").asString());
                assertThat(r.adkim().token()).isEqualTo(e.get("adkim").asString());
                assertThat(r.aspf().token()).isEqualTo(e.get("aspf").asString());
                assertThat(r.fo()).isEqualTo(e.get("fo").asString());
                assertThat(r.psd().token()).isEqualTo(e.get("psd").asString().equals("default") ? "u" : e.get("psd").asString());
                assertThat(r.testing()).isEqualTo(e.get("t").asBoolean());
                assertThat(uris(r.rua())).isEqualTo(expectedUris(text, e.get("rua")));
                assertThat(uris(r.ruf())).isEqualTo(expectedUris(text, e.get("ruf")));
            }));
        }
        return tests.stream();
    }

    private static List<String> uris(List<ReportUri> uris) {
        return uris.stream().map(u -> u.mailbox().orElseThrow() + " " + u.sizeLimit().orElse(0)).toList();
    }

    private static List<String> expectedUris(String record, JsonNode list) {
        List<String> dropped = DIFFERENCES.entrySet().stream().filter(d -> record.contains(d.getKey()))
                .flatMap(d -> d.getValue().stream()).toList();
        List<String> out = new ArrayList<>();
        for (JsonNode u : list) {
            if (!dropped.contains(u.get("address").asString())) out.add(u.get("address").asString() + " " + u.get("max_size_bytes").asLong());
        }
        return out;
    }

    @TestFactory Stream<DynamicTest> alignment() {
        List<DynamicTest> tests = new ArrayList<>();
        for (OrgDomainMethod method : OrgDomainMethod.values()) {
            for (JsonNode c : CASES.get("alignment")) {
                tests.add(dynamicTest(method.configName() + ": " + c.get("name").asString(), () -> {
                    var dns = new FakeDnsResolver().withTxt(c.get("dmarc_record_at").asString(), c.get("dmarc_record").asString());
                    var auth = AuthResults.of(new SpfAuth(c.get("spf").get("domain").asString(), SpfScope.MFROM, c.get("spf").get("result").asString()),
                            new DkimAuth(c.get("dkim").get("d").asString(), "sel", c.get("dkim").get("result").asString()));
                    DmarcResult result = new DmarcEvaluator(dns, method, PublicSuffixListTest.PSL)
                            .evaluate(domainOf(c.get("header_from").asString()), auth);
                    JsonNode e = c.get("expected");
                    var applied = result.appliedPolicy().orElseThrow();
                    var alignment = result instanceof DmarcResult.Pass p ? p.alignment() : ((DmarcResult.Fail) result).alignment();
                    assertThat(words(alignment.dkim())).isEqualTo(e.get("dkim_aligned").asString());
                    assertThat(words(alignment.spf())).isEqualTo(e.get("spf_aligned").asString());
                    assertThat(applied.requested().token()).isEqualTo(e.get("policy").asString());
                }));
            }
        }
        return tests.stream();
    }

    private static String words(IdentifierAlignment a) {
        return switch (a.outcome()) {
            case PASS -> "pass";
            case NOT_ALIGNED -> "fail (not aligned)";
            case NO_PASS -> "none";
        };
    }

    @TestFactory Stream<DynamicTest> policyDiscovery() {
        List<DynamicTest> tests = new ArrayList<>();
        for (OrgDomainMethod method : OrgDomainMethod.values()) {
            for (JsonNode c : CASES.get("policy_discovery")) {
                tests.add(dynamicTest(method.configName() + ": " + c.get("name").asString(), () -> {
                    var dns = new FakeDnsResolver();
                    for (var entry : c.get("dns").properties()) {
                        if (entry.getKey().endsWith(" A")) {
                            dns.withAddresses(entry.getKey().substring(0, entry.getKey().length() - 2), entry.getValue().asString());
                        } else {
                            dns.withTxt(entry.getKey(), entry.getValue().asString());
                        }
                    }
                    DmarcResult result = new DmarcEvaluator(dns, method, PublicSuffixListTest.PSL)
                            .evaluate(domainOf(c.get("header_from").asString()), new AuthResults(Optional.empty(), List.of()));
                    String expected = c.get("expected_policy").asString();
                    if (expected.startsWith("no DMARC record")) {
                        assertThat(result).isInstanceOf(DmarcResult.None.class);
                    } else {
                        assertThat(result).isInstanceOf(DmarcResult.Fail.class);
                        assertThat(result.appliedPolicy().orElseThrow().requested().token()).isEqualTo(expected);
                    }
                }));
            }
        }
        return tests.stream();
    }

    private static String domainOf(String address) {
        return address.substring(address.lastIndexOf('@') + 1);
    }
}
