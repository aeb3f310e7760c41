package dev.facteur.auth.dkim;

import static dev.facteur.auth.dkim.DkimTestData.at;
import static dev.facteur.auth.dkim.DkimTestData.dns;
import static dev.facteur.auth.dkim.DkimTestData.json;
import static dev.facteur.auth.dkim.DkimTestData.stream;
import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.auth.dkim.DkimTestData.DnsAndMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import tools.jackson.databind.JsonNode;

/**
 * stalwartlabs/mail-auth's signed messages (mail-auth/expected.json): RFC 8463 A.3, a key record
 * with a bare PKCS#1 p=, real mail from ietf.org (its signature present twice), facebookmail.com
 * (key t=s, h=sha256), topicbox.com (x=) and github.com. All pass at mail-auth's verification time,
 * 1667843664; none of the expectations predates today's RFCs. Data copied from
 * ../shared/conformance/dkim/mail-auth (licence: mail-auth/LICENSE-mail-auth-Apache-2.0 or -MIT).
 */
class MailAuthVectorsTest {

    /** 2022-11-07T17:54:24Z, when mail-auth checks these messages. */
    static final long VERIFICATION_TIME = 1667843664L;

    @TestFactory
    Stream<DynamicTest> everyMessagePassesAtMailAuthsVerificationTime() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Map.Entry<String, JsonNode> file : json("mail-auth/expected.json").get("files").properties()) {
            List<String> expected = file.getValue().get("expected").valueStream().map(JsonNode::asString).toList();
            tests.add(DynamicTest.dynamicTest(file.getKey() + " → " + expected, () -> {
                var vector = DnsAndMessage.of("mail-auth/" + file.getKey());
                List<DkimResult> results = new DkimVerifier(dns(vector.dns()), at(VERIFICATION_TIME)).verify(stream(vector.message()));
                assertThat(results).extracting(DkimResult::name).as(results.toString()).isEqualTo(expected);
            }));
        }
        assertThat(tests).hasSize(6);
        return tests.stream();
    }

    @Test
    void theTopicboxSignatureExpiresWithItsXTag() throws Exception { // RFC 6376 §3.5 x=1667930064
        var vector = DnsAndMessage.of("mail-auth/005.txt");
        var results = new DkimVerifier(dns(vector.dns()), at(1667930065L)).verify(stream(vector.message()));
        assertThat(results).singleElement().satisfies(r -> {
            assertThat(r).isInstanceOf(DkimResult.PermError.class);
            assertThat(r.cause()).startsWith("signature expired at x=2022-11-08T17:54:24Z");
        });
    }

    @Test
    void aBarePkcs1KeyIsReadAsItsSubjectPublicKeyInfoWouldBe() throws Exception { // 002.txt, p=MIGJAoGBAL...
        var vector = DnsAndMessage.of("mail-auth/002.txt");
        var results = new DkimVerifier(dns(vector.dns()), at(VERIFICATION_TIME)).verify(stream(vector.message()));
        assertThat(results).singleElement().satisfies(r -> assertThat(r.signature().keyBits()).isEqualTo(1024));
    }
}
