package dev.facteur.auth.dkim;

import static dev.facteur.auth.dkim.DkimTestData.at;
import static dev.facteur.auth.dkim.DkimTestData.crlf;
import static dev.facteur.auth.dkim.DkimTestData.dns;
import static dev.facteur.auth.dkim.DkimTestData.json;
import static dev.facteur.auth.dkim.DkimTestData.privateKey;
import static dev.facteur.auth.dkim.DkimTestData.stream;
import static dev.facteur.auth.dkim.DkimTestData.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.facteur.auth.dkim.DkimTestData.Signing;
import dev.facteur.message.HeaderSection;
import dev.facteur.testing.FakeDnsResolver;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import tools.jackson.databind.JsonNode;

/**
 * dkimpy 1.1.4's test data (dkimpy/expected.json): 7 signed messages to verify, and 20 cases to
 * sign with Facteur's {@link DkimSigner} and verify. Every expectation holds under today's RFCs;
 * where dkimpy says "fail (permerror)", Facteur says permerror, and where it says "fail", fail.
 * Facteur signs relaxed/relaxed with From over-signed unless the case says otherwise; dkimpy's
 * "linesep LF" variant does not apply (Facteur reads the stored CRLF form) and is not run.
 * Data copied from ../shared/conformance/dkim/dkimpy (licence: dkimpy/LICENSE-dkimpy).
 */
class DkimpyVectorsTest {

    private static final long NOW = 1_800_000_000L;

    /** Where Facteur's results differ from dkimpy's words, and why. */
    private record Difference(List<String> results, String why) {}

    private static final Map<Integer, Difference> DIFFERENCES = Map.of(
            6, new Difference(List.of("permerror"), "not fail: the corrupted p= is no RSA key at all, a key syntax error"
                    + " (RFC 6376 §6.1.2: PERMFAIL), where dkimpy just returns False"),
            13, new Difference(List.of("pass", "pass"), "the message's own kitterman.com signature, below Facteur's, passes too"));
    private static final String DIR = "dkimpy/";

    @TestFactory
    Stream<DynamicTest> everySignedMessageVerifiesAsDkimpyExpects() {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode vector : json(DIR + "expected.json").get("static")) {
            String file = vector.get("file").asString();
            List<String> expected = vector.get("expected").valueStream().map(JsonNode::asString).map(DkimpyVectorsTest::facteurName).toList();
            FakeDnsResolver dns = dns(text(DIR + "dns-records.txt"));
            String name = file;
            if (vector.has("dns_override")) {
                for (Map.Entry<String, JsonNode> o : vector.get("dns_override").properties()) {
                    String value = o.getValue().asString().equals("(contents of test.txt)") ? text(DIR + "test.txt").strip() : o.getValue().asString();
                    dns.withTxt(o.getKey(), value);
                    name += " with " + o.getKey() + " = " + value.substring(0, Math.min(20, value.length())) + "…";
                }
            }
            tests.add(DynamicTest.dynamicTest(name + " → " + expected, () -> {
                List<DkimResult> results = new DkimVerifier(dns, at(NOW)).verify(stream(crlf(text(DIR + file))));
                assertThat(results).extracting(DkimResult::name).as(results.toString()).isEqualTo(expected);
            }));
        }
        assertThat(tests).hasSize(7);
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicNode> everySignThenVerifyCaseGivesWhatDkimpyExpects() throws Exception {
        List<DynamicNode> tests = new ArrayList<>();
        int n = 0;
        for (JsonNode c : json(DIR + "expected.json").get("sign_then_verify")) {
            n++;
            String message = crlf(text(DIR + c.get("message").asString()));
            String algorithm = c.has("algorithm") ? c.get("algorithm").asString() : "rsa-sha256";
            PrivateKey key = privateKey(DIR + c.get("private_key").asString());
            String selector = c.get("selector").asString(), domain = c.get("domain").asString();
            String expected = c.get("expected").asString();
            String title = n + ": " + c.get("message").asString() + " signed " + algorithm + " with " + c.get("private_key").asString()
                    + (c.has("key_record_file") ? ", key record " + c.get("key_record_file").asString() : "")
                    + (c.has("mutation") ? ", then " + c.get("mutation").asString() : "") + " → " + expected;
            Signing signing = Signing.of(algorithm, key, domain, selector);
            if (expected.equals("signing must be refused")) {
                tests.add(DynamicTest.dynamicTest(title, () -> assertThatThrownBy(() -> signing.sign(message))
                        .hasMessageContaining("without a From field")));
                continue;
            }
            if (domain.startsWith("example.com\\xe9")) {
                tests.add(badlyEncodedDomain(title, message, key));
                continue;
            }
            FakeDnsResolver dns = dns(text(DIR + "dns-records.txt"));
            if (c.has("key_record_file")) dns.withTxt(selector + "._domainkey." + domain, text(DIR + c.get("key_record_file").asString()).strip());
            var verifier = new DkimVerifier(dns, at(NOW));
            if (c.has("mutation") && c.get("mutation").asString().startsWith("append")) {
                tests.add(DynamicTest.dynamicTest(title, () -> {
                    var results = verifier.verify(stream(signing.sign(message) + "foo\r\n"));
                    assertThat(results).singleElement().satisfies(r -> {
                        assertThat(r).isInstanceOf(DkimResult.Fail.class);
                        assertThat(r.cause()).isEqualTo("body hash did not verify");
                    });
                }));
            } else if (c.has("mutation")) {
                tests.add(addedFields(title, message, signing, verifier));
            } else if (n == 1) {
                tests.add(everyCanonicalizationAndBodyLength(title, message, signing, verifier));
            } else {
                Signing how = c.get("message").asString().equals("message.mbox") ? signing.signedHeaders(allNames(message)) : signing;
                List<String> facteur = DIFFERENCES.containsKey(n) ? DIFFERENCES.get(n).results() : List.of(facteurName(expected));
                String why = DIFFERENCES.containsKey(n) ? " — Facteur: " + facteur + ", " + DIFFERENCES.get(n).why() : "";
                tests.add(DynamicTest.dynamicTest(title + why, () -> {
                    var results = verifier.verify(stream(how.sign(message)));
                    assertThat(results).extracting(DkimResult::name).as(results.toString()).isEqualTo(facteur);
                }));
            }
        }
        assertThat(n).isEqualTo(20);
        return tests.stream();
    }

    /** Case 1: the four c= combinations, and l= with text appended afterwards (still a pass, the tail noted as unsigned). */
    private static DynamicNode everyCanonicalizationAndBodyLength(String title, String message, Signing signing, DkimVerifier verifier) {
        List<DynamicTest> tests = new ArrayList<>();
        for (String c : List.of("simple/simple", "simple/relaxed", "relaxed/simple", "relaxed/relaxed")) {
            tests.add(DynamicTest.dynamicTest("c=" + c, () -> assertThat(verifier.verify(stream(signing.canonicalization(c).sign(message))))
                    .singleElement().isInstanceOf(DkimResult.Pass.class)));
        }
        tests.add(DynamicTest.dynamicTest("l= of the whole body, then a line appended: pass, with the line unsigned", () -> {
            String body = message.substring(message.indexOf("\r\n\r\n") + 4);
            String signed = signing.bodyLength(body.length()).sign(message) + "appended\r\n";
            assertThat(verifier.verify(stream(signed))).singleElement().satisfies(r -> {
                assertThat(r).isInstanceOf(DkimResult.Pass.class);
                assertThat(r.signature().partiallySigned()).isTrue();
                assertThat(r.signature().unsignedBodyOctets()).isEqualTo("appended\r\n".length());
            });
        }));
        tests.add(DynamicTest.dynamicTest("h= From and the fields RFC 6376 §5.4.1 says should be signed", () -> assertThat(verifier.verify(
                stream(signing.signedHeaders("from", "to", "subject", "date", "message-id", "received").sign(message))))
                .singleElement().isInstanceOf(DkimResult.Pass.class)));
        return DynamicContainer.dynamicContainer(title, tests);
    }

    /** Case 8: a second From above or below the signed one breaks the over-signed signature; an X-Foo does not. */
    private static DynamicNode addedFields(String title, String message, Signing signing, DkimVerifier verifier) {
        return DynamicContainer.dynamicContainer(title, List.of(
                DynamicTest.dynamicTest("From: added on top", () -> {
                    String signed = signing.sign(message);
                    assertThat(verifier.verify(stream("From: Mallory <mallory@example.com>\r\n" + signed))).singleElement()
                            .isInstanceOf(DkimResult.Fail.class);
                }),
                DynamicTest.dynamicTest("From: added below the signed one", () -> {
                    String signed = signing.sign(message).replaceFirst("(?m)^(From: [^\r]*\r\n)", "$1From: Mallory <mallory@example.com>\r\n");
                    assertThat(verifier.verify(stream(signed))).singleElement().isInstanceOf(DkimResult.Fail.class);
                }),
                DynamicTest.dynamicTest("X-Foo: added", () -> assertThat(verifier.verify(stream("X-Foo: bar\r\n" + signing.sign(message))))
                        .singleElement().isInstanceOf(DkimResult.Pass.class))));
    }

    /**
     * Case 19: Facteur's signer refuses a d= that is no domain name; a signature made anyway with
     * d=example.com\xe9, the key published under that very name, is refused by the verifier.
     */
    private static DynamicNode badlyEncodedDomain(String title, String message, PrivateKey key) {
        String domain = "example.com\u00e9";
        return DynamicContainer.dynamicContainer(title, List.of(
                DynamicTest.dynamicTest("the signer refuses", () -> assertThatThrownBy(
                        () -> Signing.of("rsa-sha256", key, domain, "test").sign(message)).hasMessageContaining("is not a domain name")),
                DynamicTest.dynamicTest("the verifier refuses", () -> {
                    String template = "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=" + domain + "; s=test; h=from; bh="
                            + bodyHash(message) + "; b=";
                    List<String> fields = HeaderSection.fields(message.substring(0, message.indexOf("\r\n\r\n") + 2));
                    byte[] b = DkimAlgorithm.RSA_SHA256.sign(DkimSigner.signedData(fields, List.of("from"), Canonicalization.RELAXED, template), key);
                    var dns = new FakeDnsResolver().withTxt("test._domainkey." + domain, text(DIR + "test.txt").strip());
                    var results = new DkimVerifier(dns, at(NOW)).verify(stream(template + Base64.getEncoder().encodeToString(b) + "\r\n" + message));
                    assertThat(results).singleElement().satisfies(r -> {
                        assertThat(r).isInstanceOf(DkimResult.PermError.class);
                        assertThat(r.cause()).contains("is not a domain name");
                    });
                })));
    }

    private static String bodyHash(String message) {
        var h = new BodyHash(Canonicalization.RELAXED, "SHA-256");
        h.write(message.substring(message.indexOf("\r\n\r\n") + 4).getBytes(StandardCharsets.ISO_8859_1));
        return Base64.getEncoder().encodeToString(h.digest());
    }

    /** dkimpy's test_extra_headers: every field of the message signed, each as often as it occurs. */
    private static String[] allNames(String message) {
        List<String> names = HeaderSection.fields(message.substring(0, message.indexOf("\r\n\r\n") + 2)).stream().map(HeaderSection::name).toList();
        return names.toArray(String[]::new);
    }

    /** dkimpy says pass or fail; its "fail (permerror)" is what RFC 8601 calls permerror. */
    private static String facteurName(String dkimpy) {
        if (dkimpy.startsWith("pass")) return "pass";
        if (dkimpy.equals("fail (permerror)")) return "permerror";
        return dkimpy;
    }

}
