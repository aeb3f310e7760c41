package dev.facteur.auth.dkim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.facteur.dns.TxtAnswer;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Base64;
import java.util.List;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** RFC 6376 §3.6.1 key records, §6.1.2 the checks a key must pass, RFC 8301 §3.2 key sizes, RFC 8463 §4 Ed25519 keys. */
class KeyRecordTest {

    private static String rsa1024;
    private static String rsa1024Pkcs1;
    private static String rsa512;
    private static String ed25519;

    @BeforeAll
    static void keys() throws Exception {
        rsa1024 = p(rsa(1024));
        rsa1024Pkcs1 = Base64.getEncoder().encodeToString(
                SubjectPublicKeyInfo.getInstance(Base64.getDecoder().decode(rsa1024)).parsePublicKey().getEncoded());
        rsa512 = p(rsa(512));
        KeyPair ed = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        ed25519 = DkimKeys.record(ed).replaceAll(".*p=", "");
    }

    private static KeyPair rsa(int bits) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(bits);
        return g.generateKeyPair();
    }

    private static String p(KeyPair pair) {
        return Base64.getEncoder().encodeToString(pair.getPublic().getEncoded());
    }

    private static void usable(String record) throws PermFail {
        KeyRecord.parse(record).checkUsable(DkimAlgorithm.RSA_SHA256, "example.com", "example.com");
    }

    @Test
    void theDefaultsAreAnRsaKeyForEveryServiceAndHash() throws Exception {
        KeyRecord key = KeyRecord.parse("p=" + rsa1024);
        assertThat(key.keyType()).isEqualTo("rsa");
        assertThat(key.services()).containsExactly("*");
        assertThat(key.hashes()).isEmpty();
        assertThat(key.bits()).isEqualTo(1024);
        usable("p=" + rsa1024);
    }

    @Test
    void pMayBeABarePkcs1RsaPublicKey() throws Exception { // mail-auth 002.txt, dkimpy *.pub.rsa.txt
        assertThat(KeyRecord.parse("k=rsa; p=" + rsa1024Pkcs1).bits()).isEqualTo(1024);
    }

    @Test
    void vIsOptionalButFirstAndDkim1WhenPresent() {
        assertThatThrownBy(() -> KeyRecord.parse("k=rsa; v=DKIM1; p=" + rsa1024)).hasMessageContaining("v= must be DKIM1 and come first");
        assertThatThrownBy(() -> KeyRecord.parse("v=DKIM1: g=*; k=rsa; p=" + rsa1024)).hasMessageContaining("v= must be DKIM1");
        assertThatThrownBy(() -> KeyRecord.parse("v=DKIM3; p=" + rsa1024)).hasMessageContaining("not DKIM3");
    }

    @Test
    void anUnknownKeyTypeIsAnError() {
        assertThatThrownBy(() -> KeyRecord.parse("v=DKIM1; k=ed25519-sha256; p=" + rsa1024)).hasMessage("unknown key type k=ed25519-sha256");
    }

    @Test
    void aKeyThatDoesNotReadIsAnError() {
        assertThatThrownBy(() -> KeyRecord.parse("p=" + rsa1024.substring(0, 100))).hasMessage("key syntax error: p= is not an RSA public key");
        assertThatThrownBy(() -> KeyRecord.parse("p=@@@@")).hasMessage("key syntax error: p= is not base64");
        assertThatThrownBy(() -> KeyRecord.parse("k=rsa")).hasMessage("key syntax error: no p= tag");
        assertThatThrownBy(() -> KeyRecord.parse("")).hasMessage("key syntax error: the record is empty");
        assertThatThrownBy(() -> KeyRecord.parse("k=rsa; t; p=x")).hasMessageContaining("key syntax error: tag list syntax error");
    }

    @Test
    void anEd25519KeyIsItsThirtyTwoBytes() throws Exception { // RFC 8463 §4; Mail::DKIM badkey1_ed25519 publishes a SubjectPublicKeyInfo
        assertThat(KeyRecord.parse("k=ed25519; p=" + ed25519).bits()).isEqualTo(256);
        assertThatThrownBy(() -> KeyRecord.parse("k=ed25519; p=MCowBQYDK2VwAyEA3SUqa9UbfciWkk7tlcJ9P1VD5pXAasg0JUn/OgjVbKE="))
                .hasMessage("key syntax error: an Ed25519 p= is 32 bytes, not 44");
    }

    @Test
    void anEmptyPRevokesTheKey() throws Exception {
        KeyRecord key = KeyRecord.parse("v=DKIM1; p=");
        assertThat(key.key()).isEmpty();
        assertThatThrownBy(() -> usable("v=DKIM1; p=")).hasMessage("key revoked (empty p=)");
    }

    @Test
    void aKeyForOtherServicesIsNotForMail() throws Exception { // dkimpy test_tlsrpt.txt
        assertThatThrownBy(() -> usable("s=tlsrpt; p=" + rsa1024)).hasMessage("key is not for email: s=tlsrpt");
        usable("s=email:tlsrpt; p=" + rsa1024);
        usable("s=*; p=" + rsa1024);
    }

    @Test
    void hListsTheHashesTheKeyMayBeUsedWith() throws Exception {
        assertThatThrownBy(() -> usable("h=sha1; p=" + rsa1024)).hasMessage("inappropriate hash algorithm: key h=sha1 excludes sha256");
        usable("h=sha1:sha256:future; p=" + rsa1024);
    }

    @Test
    void theKeyTypeMustFitTheAlgorithm() {
        assertThatThrownBy(() -> KeyRecord.parse("k=ed25519; p=" + ed25519).checkUsable(DkimAlgorithm.RSA_SHA256, "example.com", "example.com"))
                .hasMessage("inappropriate key algorithm: k=ed25519 key for a=rsa-sha256");
    }

    @Test
    void rsaKeysUnder1024BitsAreRefused() { // RFC 8301 §3.2
        assertThatThrownBy(() -> usable("p=" + rsa512)).hasMessage("RSA key of 512 bits is below 1024 (RFC 8301)");
    }

    @Test
    void flagTestingIsNotedAndFlagSKeepsTheIdentityInDItself() throws Exception {
        assertThat(KeyRecord.parse("t=y:future; p=" + rsa1024).testing()).isTrue();
        KeyRecord strict = KeyRecord.parse("t=s; p=" + rsa1024);
        strict.checkUsable(DkimAlgorithm.RSA_SHA256, "example.com", "example.com");
        assertThatThrownBy(() -> strict.checkUsable(DkimAlgorithm.RSA_SHA256, "example.com", "mail.example.com"))
                .hasMessageContaining("key has t=s");
    }

    @Test
    void ofSeveralRecordsTheFirstThatReadsIsUsed() { // §6.1.2 step 3 leaves the choice open; KeyQuery's rule
        var answer = KeyQuery.read("s._domainkey.example.com", new TxtAnswer.Records(List.of("v=spf1 -all", "p=" + rsa1024, "p=" + rsa512)));
        assertThat(answer).isInstanceOfSatisfying(KeyQuery.Answer.Found.class, f -> assertThat(f.record().bits()).isEqualTo(1024));
        assertThat(KeyQuery.read("s._domainkey.example.com", new TxtAnswer.Records(List.of("v=spf1 -all"))))
                .isInstanceOfSatisfying(KeyQuery.Answer.Unusable.class, u -> assertThat(u.reason()).startsWith("key syntax error"));
    }

    @Test
    void noRecordIsAPermanentErrorAndNoAnswerATemporaryOne() {
        assertThat(KeyQuery.read("s._domainkey.example.com", new TxtAnswer.NxDomain()))
                .isEqualTo(new KeyQuery.Answer.Unusable("no key for s._domainkey.example.com (NXDOMAIN)"));
        assertThat(KeyQuery.read("s._domainkey.example.com", new TxtAnswer.NoRecords()))
                .isEqualTo(new KeyQuery.Answer.Unusable("no key for s._domainkey.example.com (no TXT record)"));
        assertThat(KeyQuery.read("s._domainkey.example.com", new TxtAnswer.TempFail("timeout")))
                .isEqualTo(new KeyQuery.Answer.TempFail("key lookup of s._domainkey.example.com failed: timeout"));
    }
}
