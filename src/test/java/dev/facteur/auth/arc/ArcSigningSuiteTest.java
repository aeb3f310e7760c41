package dev.facteur.auth.arc;

import static dev.facteur.auth.arc.ArcTestData.crlf;
import static dev.facteur.auth.arc.ArcTestData.dns;
import static dev.facteur.auth.arc.ArcTestData.stream;
import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.auth.AuthenticationResults;
import dev.facteur.auth.dkim.SigningKey;
import dev.facteur.message.HeaderSection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The ValiMail ARC test suite's 17 signing cases (valimail/arc-draft-sign-tests.yml; MIT licence,
 * see valimail/LICENSE-arc_test_suite). Each message is sealed with the suite's key, selector,
 * domain, authserv-id, time and h= list, after Facteur's own validation of the chain it carries;
 * the three fields are compared with the suite's as the suite compares them: tag sets, all white
 * space removed. Our results for the ARC-Authentication-Results are the message's
 * Authentication-Results fields under the suite's authserv-id, merged in order (the suite takes
 * them as correct). RSA PKCS#1 v1.5 signatures are deterministic, so b= must match to the byte.
 */
class ArcSigningSuiteTest {

    static final String SUITE = "valimail/arc-draft-sign-tests.yml";

    @TempDir
    Path keys;

    @TestFactory
    Stream<DynamicNode> everyCaseSealsAsTheSuiteDoes() throws Exception {
        List<DynamicNode> scenarios = new ArrayList<>();
        int cases = 0;
        for (JsonNode scenario : ArcTestData.yamlDocuments(SUITE)) {
            Path pem = Files.createTempFile(keys, "key", ".pem");
            Files.writeString(pem, scenario.get("privatekey").asString());
            SigningKey key = SigningKey.load(scenario.get("domain").asString(), scenario.get("sel").asString(), pem);
            ArcVerifier verifier = new ArcVerifier(dns(scenario.get("txt-records")), ArcTestData.CLOCK);
            List<DynamicTest> tests = new ArrayList<>();
            for (Map.Entry<String, JsonNode> test : scenario.get("tests").properties()) {
                JsonNode c = test.getValue();
                tests.add(DynamicTest.dynamicTest(test.getKey(), () -> {
                    String message = crlf(c.get("message").asString());
                    String srvId = c.get("srv-id").asString();
                    Clock at = Clock.fixed(Instant.ofEpochSecond(c.get("t").asLong()), ZoneOffset.UTC);
                    var sealer = new ArcSealer(key, srvId, at, Arrays.asList(c.get("sig-headers").asString().split(":")));
                    ArcResult chain = verifier.verify(stream(message));
                    var sealing = sealer.seal(stream(message), chain, ourResults(message, srvId));
                    if (c.get("AS").asString().isBlank()) { // the suite expects no new set
                        assertThat(sealing).as(chain.toString()).isInstanceOf(ArcSealer.Sealing.NotSealed.class);
                        return;
                    }
                    assertThat(sealing).as(chain.toString()).isInstanceOf(ArcSealer.Sealing.Sealed.class);
                    List<String> fields = ((ArcSealer.Sealing.Sealed) sealing).fields();
                    SoftAssertions.assertSoftly(soft -> {
                        soft.assertThat(tags(HeaderSection.value(fields.get(2)))).as("ARC-Authentication-Results").isEqualTo(tags(c.get("AAR").asString()));
                        soft.assertThat(tags(HeaderSection.value(fields.get(1)))).as("ARC-Message-Signature").isEqualTo(tags(c.get("AMS").asString()));
                        soft.assertThat(tags(HeaderSection.value(fields.get(0)))).as("ARC-Seal").isEqualTo(tags(c.get("AS").asString()));
                    });
                    // and the sealed message validates here: pass, or fail at once when we sealed a failed chain
                    ArcResult resealed = verifier.verify(stream(String.join("", fields) + message));
                    var sealed = (ArcSealer.Sealing.Sealed) sealing;
                    assertThat(resealed.status()).as(resealed.toString())
                            .isEqualTo(sealed.cv() == ChainValidationStatus.FAIL ? ChainValidationStatus.FAIL : ChainValidationStatus.PASS);
                }));
            }
            cases += tests.size();
            scenarios.add(DynamicContainer.dynamicContainer(scenario.get("description").asString().strip(), tests));
        }
        assertThat(cases).isEqualTo(17);
        return scenarios.stream();
    }

    /** The method results of every Authentication-Results field under {@code srvId}, in order. */
    static List<String> ourResults(String message, String srvId) {
        List<String> resinfo = new ArrayList<>();
        String header = message.substring(0, Math.max(0, message.indexOf("\r\n\r\n") + 2));
        for (String field : HeaderSection.fields(header)) {
            if (!HeaderSection.name(field).equals("authentication-results")) continue;
            String value = HeaderSection.value(field);
            if (!AuthenticationResults.claims(value, srvId)) continue;
            String[] parts = value.split(";");
            for (int i = 1; i < parts.length; i++) if (!parts[i].isBlank()) resinfo.add(parts[i].replaceAll("\\s+", " ").strip());
        }
        return resinfo;
    }

    /** A field value as the suite compares it: its semicolon-separated parts, white space removed. */
    static Set<String> tags(String value) {
        return Arrays.stream(value.replaceAll("\\s+", "").split(";")).filter(s -> !s.isEmpty()).collect(Collectors.toSet());
    }
}
