package dev.facteur.auth.dkim;

import static dev.facteur.auth.dkim.DkimTestData.at;
import static dev.facteur.auth.dkim.DkimTestData.stream;
import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.auth.dkim.DkimTestData.Signing;
import dev.facteur.dns.TxtAnswer;
import dev.facteur.testing.FakeDnsResolver;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What the verifier says of signed, altered and broken mail (RFC 6376 §6.1, RFC 8301, RFC 8463, RFC 8601 §2.7.1). */
class DkimVerifierTest {

    private static final String MESSAGE = """
            From: Alice <alice@example.com>\r
            To: Bob <bob@example.org>\r
            Subject: Lunch\r
            Date: Tue, 01 Dec 2026 10:00:00 +0000\r
            Message-ID: <lunch-1@example.com>\r
            \r
            Shall we meet at noon?\r
            """;

    private static KeyPair rsa;
    private static KeyPair ed25519;
    private static FakeDnsResolver dns;

    @BeforeAll
    static void keys() throws Exception {
        rsa = DkimKeys.generate("rsa", 2048);
        ed25519 = DkimKeys.generate("ed25519", 0);
        dns = new FakeDnsResolver()
                .withTxt("rsa._domainkey.example.com", DkimKeys.record(rsa))
                .withTxt("ed._domainkey.example.com", DkimKeys.record(ed25519))
                .withTxt("testing._domainkey.example.com", DkimKeys.record(rsa).replace("v=DKIM1;", "v=DKIM1; t=y;"))
                .withTxt("revoked._domainkey.example.com", "v=DKIM1; k=rsa; p=")
                .withTxt("down._domainkey.example.com", new TxtAnswer.TempFail("SERVFAIL"))
                .silent("silent._domainkey.example.com");
    }

    private static Signing signing(String selector) {
        return selector.equals("ed") ? Signing.of("ed25519-sha256", ed25519.getPrivate(), "example.com", "ed")
                : Signing.of("rsa-sha256", rsa.getPrivate(), "example.com", selector);
    }

    private static List<DkimResult> verify(String message) throws Exception {
        return new DkimVerifier(dns, at(1_800_000_000L)).verify(stream(message));
    }

    private static DkimResult only(String message) throws Exception {
        List<DkimResult> results = verify(message);
        assertThat(results).hasSize(1);
        return results.getFirst();
    }

    @Test
    void aSignedMessagePassesAndSaysSoAsAuthenticationResultsWould() throws Exception {
        String signed = signing("rsa").sign(MESSAGE);
        DkimResult result = only(signed);
        assertThat(result).isInstanceOf(DkimResult.Pass.class);
        assertThat(result.cause()).isEqualTo("signature verified");
        assertThat(result.signature().keyBits()).isEqualTo(2048);
        String b = signed.replaceAll("(?s).*\tb=(.{8}).*", "$1");
        assertThat(result.methodResult()).isEqualTo("dkim=pass header.d=example.com header.i=@example.com header.s=rsa header.a=rsa-sha256 header.b="
                + (b.matches("[A-Za-z0-9+]+") ? b : "\"" + b + "\""));
    }

    @Test
    void ed25519Sha256Passes() throws Exception { // RFC 8463
        DkimResult result = only(signing("ed").sign(MESSAGE));
        assertThat(result).isInstanceOf(DkimResult.Pass.class);
        assertThat(result.signature().keyBits()).isEqualTo(256);
    }

    @Test
    void aMessageWithoutSignatureHasNoResults() throws Exception { // dkim=none
        assertThat(verify(MESSAGE)).isEmpty();
    }

    @Test
    void anAlteredBodyFailsOnTheBodyHashAndAnAlteredHeaderOnTheSignature() throws Exception {
        String signed = signing("rsa").sign(MESSAGE);
        DkimResult body = only(signed.replace("noon", "midnight"));
        assertThat(body).isInstanceOf(DkimResult.Fail.class);
        assertThat(body.cause()).isEqualTo("body hash did not verify");
        assertThat(body.methodResultWithReason()).startsWith("dkim=fail reason=\"body hash did not verify\" header.d=example.com");
        DkimResult header = only(signed.replace("Subject: Lunch", "Subject: Dinner"));
        assertThat(header).isInstanceOf(DkimResult.Fail.class);
        assertThat(header.cause()).isEqualTo("signature did not verify");
    }

    @Test
    void aFromAddedOnTopOfAnOverSignedFromBreaksTheSignature() throws Exception { // h=from:from, RFC 6376 §8.15
        String signed = signing("rsa").signedHeaders("from", "from", "subject").sign(MESSAGE);
        DkimResult result = only("From: Mallory <ceo@example.com>\r\n" + signed);
        assertThat(result).isInstanceOf(DkimResult.Fail.class);
        assertThat(result.cause()).isEqualTo("signature did not verify");
    }

    @Test
    void aFromAddedOnTopOfAFromSignedOnceIsNotLetThrough() throws Exception { // RFC 6376 §5.4.2, §8.15
        String signed = signing("rsa").signedHeaders("from", "subject").sign(MESSAGE);
        String attacked = "From: Mallory <ceo@example.com>\r\n" + signed;
        DkimResult result = only(attacked);
        // bottom-up selection makes h=from the original From below, so the cryptography holds;
        // but the added From is what many readers show, and nothing signed it
        assertThat(result).isInstanceOf(DkimResult.Policy.class);
        assertThat(result.cause()).isEqualTo("the message has 2 from fields and h= signs 1: the unsigned one may have been added (RFC 6376 §8.15)");
        assertThat(only(signed)).isInstanceOf(DkimResult.Pass.class);
    }

    @Test
    void aTailAddedAfterTheBodyLengthStillVerifiesButIsFlagged() throws Exception { // RFC 6376 §3.5 l=, §8.2
        String body = "Shall we meet at noon?\r\n";
        String signed = signing("rsa").bodyLength(body.length()).sign(MESSAGE);
        assertThat(only(signed).signature().partiallySigned()).isFalse();
        DkimResult result = only(signed + "\r\nClick here: http://phish.example/\r\n");
        assertThat(result).isInstanceOf(DkimResult.Pass.class);
        assertThat(result.signature().bodyLength()).hasValue(body.length());
        assertThat(result.signature().partiallySigned()).isTrue();
        assertThat(result.signature().unsignedBodyOctets()).isEqualTo("\r\nClick here: http://phish.example/\r\n".length());
        assertThat(result.cause()).isEqualTo("signature verified; 37 octets of the body after l=24 are not signed");
    }

    @Test
    void aBodyLengthLongerThanTheBodyFails() throws Exception {
        DkimResult result = only(signing("rsa").bodyLength(1000).sign(MESSAGE));
        assertThat(result).isInstanceOf(DkimResult.Fail.class);
        assertThat(result.cause()).isEqualTo("l=1000 is longer than the body (24 octets canonicalized)");
    }

    @Test
    void aVerifierMayRefuseBodyLengthsByPolicy() throws Exception {
        var strict = new DkimVerifier(dns, at(1_800_000_000L), DkimVerifier.Limits.DEFAULT.withAcceptBodyLength(false));
        List<DkimResult> results = strict.verify(stream(signing("rsa").bodyLength(10).sign(MESSAGE)));
        assertThat(results).singleElement().isInstanceOf(DkimResult.Policy.class);
    }

    @Test
    void aKeyInTestingModeStillGivesItsResultAndSaysSo() throws Exception { // RFC 6376 §3.6.1 t=y
        DkimResult result = only(signing("testing").sign(MESSAGE));
        assertThat(result).isInstanceOf(DkimResult.Pass.class);
        assertThat(result.signature().testing()).isTrue();
        assertThat(result.cause()).isEqualTo("signature verified; the key is in testing mode (t=y)");
    }

    @Test
    void noKeyARevokedKeyAndAWrongKeyTypeArePermanentErrors() throws Exception {
        DkimResult none = only(signing("nokey").sign(MESSAGE));
        assertThat(none).isInstanceOf(DkimResult.PermError.class);
        assertThat(none.cause()).isEqualTo("no key for nokey._domainkey.example.com (NXDOMAIN)");
        assertThat(only(signing("revoked").sign(MESSAGE)).cause()).isEqualTo("key revoked (empty p=)");
        String mislabelled = Signing.of("ed25519-sha256", ed25519.getPrivate(), "example.com", "rsa").sign(MESSAGE);
        assertThat(only(mislabelled).cause()).isEqualTo("inappropriate key algorithm: k=rsa key for a=ed25519-sha256");
    }

    @Test
    void dnsTroubleIsATemporaryErrorNeverAPassOrACrash() throws Exception {
        DkimResult servfail = only(signing("down").sign(MESSAGE));
        assertThat(servfail).isInstanceOf(DkimResult.TempError.class);
        assertThat(servfail.cause()).isEqualTo("key lookup of down._domainkey.example.com failed: SERVFAIL");
        var impatient = new DkimVerifier(dns, at(1_800_000_000L), DkimVerifier.Limits.DEFAULT.withKeyLookupTimeout(Duration.ofMillis(200)));
        long start = System.nanoTime();
        List<DkimResult> silent = impatient.verify(stream(signing("silent").sign(MESSAGE)));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        assertThat(silent).singleElement().satisfies(r -> {
            assertThat(r).isInstanceOf(DkimResult.TempError.class);
            assertThat(r.cause()).isEqualTo("key lookup of silent._domainkey.example.com did not finish in time");
        });
    }

    @Test
    void malformedSignaturesArePermanentErrorsThatStillNameTheirSigner() throws Exception {
        String signed = signing("rsa").sign(MESSAGE);
        DkimResult duplicate = only(signed.replace("s=rsa;", "s=rsa; s=rsa;"));
        assertThat(duplicate).isInstanceOf(DkimResult.PermError.class);
        assertThat(duplicate.cause()).isEqualTo("tag list syntax error: s= appears twice");
        assertThat(duplicate.methodResult()).startsWith("dkim=permerror header.d=example.com header.i=@example.com header.s=rsa header.a=rsa-sha256");
        assertThat(only(signed.replace("v=1; ", "")).cause()).isEqualTo("signature missing required tag v=");
        assertThat(only(signed.replaceFirst("bh=[^;]*;", "bh=!!;")).cause()).startsWith("bh= is not base64");
        assertThat(only(signed.replace("a=rsa-sha256", "a=rsa-sha1")).cause()).contains("RFC 8301");
    }

    @Test
    void aHugeHeaderSectionIsRefusedWithoutBeingRead() throws Exception {
        AtomicLong served = new AtomicLong();
        InputStream endless = new InputStream() { // "X: xxxx..." for ever, never an empty line
            @Override
            public int read() {
                return served.getAndIncrement() == 0 ? 'X' : served.get() == 2 ? ':' : 'x';
            }
        };
        var verifier = new DkimVerifier(dns, at(1_800_000_000L), DkimVerifier.Limits.DEFAULT.withMaxHeaderBytes(64 * 1024));
        List<DkimResult> results = verifier.verify(new SequenceInputStream(stream(signing("rsa").sign(MESSAGE).replace("\r\n\r\n", "\r\n")), endless));
        assertThat(results).singleElement().satisfies(r -> {
            assertThat(r).isInstanceOf(DkimResult.PermError.class);
            assertThat(r.cause()).isEqualTo("header section longer than 65536 bytes: not verified");
        });
        assertThat(served.get()).isLessThan(70 * 1024);
    }

    @Test
    void onlyTheFirstSignaturesAreCheckedAndTheOthersSaySo() throws Exception { // RFC 6376 §6.1
        String signed = MESSAGE;
        for (int i = 0; i < 3; i++) signed = signing("rsa").sign(signed);
        var verifier = new DkimVerifier(dns, at(1_800_000_000L), DkimVerifier.Limits.DEFAULT.withMaxSignatures(2));
        List<DkimResult> results = verifier.verify(stream(signed));
        assertThat(results).extracting(DkimResult::name).containsExactly("pass", "pass", "neutral");
        assertThat(results.getLast().cause()).isEqualTo("not checked: only the first 2 signatures of a message are (RFC 6376 §6.1)");
    }

    @Test
    void headerBGrowsUntilItTellsTheSignaturesApart() throws Exception { // RFC 6008 §4
        String field = "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=nokey; h=from; bh=AAAA; b=ABCDEFGH%s\r\n";
        List<DkimResult> results = verify(field.formatted("IJK") + field.formatted("IXY") + MESSAGE);
        assertThat(results).extracting(r -> r.signature().headerB()).containsExactly("ABCDEFGHIJ", "ABCDEFGHIX");
    }

    @Test
    void theBodyIsNotReadWhenNoSignatureNeedsIt() throws Exception {
        String header = "DKIM-Signature: v=1; a=rsa-sha1; d=example.com; s=rsa; h=from; bh=AAAA; b=AAAA\r\n" + MESSAGE.substring(0, MESSAGE.indexOf("\r\n\r\n") + 4);
        InputStream body = new InputStream() {
            @Override
            public int read() {
                throw new AssertionError("the body was read");
            }
        };
        var results = new DkimVerifier(dns, at(1_800_000_000L)).verify(new SequenceInputStream(stream(header), body));
        assertThat(results).singleElement().isInstanceOf(DkimResult.PermError.class);
    }

    @Test
    void aMessageWithoutBodyVerifies() throws Exception { // §3.4.3: an empty body is one CRLF
        String headerOnly = MESSAGE.substring(0, MESSAGE.indexOf("\r\n\r\n") + 2);
        String signed = signing("rsa").canonicalization("simple/simple").sign(headerOnly + "\r\n");
        assertThat(only(signed.substring(0, signed.length() - 2))).isInstanceOf(DkimResult.Pass.class);
        assertThat(only(signed)).isInstanceOf(DkimResult.Pass.class);
    }

    @Test
    void bytesAreReadAsTheyAreNotAsUtf8() throws Exception { // dkimpy rfc6376.w1258.msg: raw 8-bit header bytes
        String latin = MESSAGE.replace("Alice", "Al\u00efce");
        assertThat(latin.getBytes(StandardCharsets.ISO_8859_1)).contains((byte) 0xEF);
        assertThat(only(signing("rsa").sign(latin))).isInstanceOf(DkimResult.Pass.class);
    }
}
