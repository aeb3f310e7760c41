package dev.facteur.auth.dkim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** RFC 6376 §3.5, §6.1.1 and RFC 8301: what makes a DKIM-Signature field usable, checked before any key is fetched. */
class DkimSignatureTest {

    private static final String GOOD = "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/simple; d=Example.COM; s=sel;\r\n"
            + "\th=From:To:Subject; bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n\tb=dGVzdA\r\n\t==\r\n";

    private static DkimSignature parse(String field) throws PermFail {
        return DkimSignature.parse(field);
    }

    private static String with(String tag, String value) {
        return GOOD.replaceFirst("(?<=[ \t;])" + tag + "=[^;]*;", tag + "=" + value + ";");
    }

    private static String without(String tag) {
        return GOOD.replaceFirst("(?<=[ \t;])" + tag + "=[^;]*;", "");
    }

    @Test
    void aGoodSignatureReadsWithItsDefaults() throws Exception {
        DkimSignature s = parse(GOOD);
        assertThat(s.algorithm()).isEqualTo(DkimAlgorithm.RSA_SHA256);
        assertThat(s.domain()).isEqualTo("example.com");
        assertThat(s.identity()).as("§3.5: i= defaults to @d").isEqualTo("@example.com");
        assertThat(s.headerCanonicalization()).isEqualTo(Canonicalization.RELAXED);
        assertThat(s.bodyCanonicalization()).isEqualTo(Canonicalization.SIMPLE);
        assertThat(s.signedHeaders()).containsExactly("from", "to", "subject");
        assertThat(s.b()).as("base64 with folding inside").isEqualTo("test".getBytes());
        assertThat(s.keyName()).isEqualTo("sel._domainkey.example.com");
        assertThat(s.bodyLength()).isEmpty();
    }

    @Test
    void cWithoutABodyAlgorithmMeansSimpleBody() throws Exception { // §3.5 c=
        assertThat(parse(with("c", "relaxed")).bodyCanonicalization()).isEqualTo(Canonicalization.SIMPLE);
        assertThat(parse(without("c")).headerCanonicalization()).isEqualTo(Canonicalization.SIMPLE);
    }

    @Test
    void everyRequiredTagMustBeThere() {
        for (String tag : new String[] {"v", "a", "bh", "d", "h", "s"})
            assertThatThrownBy(() -> parse(without(tag))).as(tag).isInstanceOf(PermFail.class)
                    .hasMessage("signature missing required tag " + tag + "=");
        assertThatThrownBy(() -> parse(GOOD.replaceFirst(";\r\n\tb=dGVzdA\r\n\t==", ""))).hasMessage("signature missing required tag b=");
    }

    @Test
    void onlyVersion1IsKnown() {
        assertThatThrownBy(() -> parse(with("v", "0.5"))).hasMessageContaining("incompatible version v=0.5");
    }

    @Test
    void rsaSha1IsRefusedAndSaysWhy() { // RFC 8301 §3.1
        assertThatThrownBy(() -> parse(with("a", "rsa-sha1"))).hasMessage("a=rsa-sha1 is not accepted: RFC 8301 §3.1 forbids SHA-1 for verifying");
        assertThatThrownBy(() -> parse(with("a", "rsa-md5"))).hasMessage("unsupported algorithm a=rsa-md5");
    }

    @Test
    void ed25519Sha256IsKnown() throws Exception { // RFC 8463
        assertThat(parse(with("a", "ed25519-sha256")).algorithm()).isEqualTo(DkimAlgorithm.ED25519_SHA256);
    }

    @Test
    void badBase64IsASyntaxError() {
        assertThatThrownBy(() -> parse(with("bh", "not*base64"))).hasMessageStartingWith("bh= is not base64");
        assertThatThrownBy(() -> parse(with("bh", ""))).hasMessage("bh= is empty");
    }

    @Test
    void duplicateTagsAreASyntaxError() {
        assertThatThrownBy(() -> parse(GOOD.replace("s=sel;", "s=sel; s=other;"))).hasMessageContaining("s= appears twice");
    }

    @Test
    void unknownCanonicalizationOrQueryMethodIsAnError() throws Exception {
        assertThatThrownBy(() -> parse(with("c", "future"))).hasMessage("unknown canonicalization c=future");
        assertThatThrownBy(() -> parse(with("c", "simple/simple/simple"))).hasMessageContaining("is not header/body");
        assertThatThrownBy(() -> parse(GOOD.replace("s=sel;", "s=sel; q=http;"))).hasMessageContaining("unsupported query method q=http");
        assertThat(parse(GOOD.replace("s=sel;", "s=sel; q=foo/bar:dns/txt;")).selector()).as("§3.5: unknown methods are skipped").isEqualTo("sel");
    }

    @Test
    void theFromFieldMustBeSigned() { // §5.4
        assertThatThrownBy(() -> parse(with("h", "to:subject"))).hasMessageContaining("h= must include From");
    }

    @Test
    void dMustBeADomainName() { // dkimpy's test.message.baddomain: a comment in d= could fool a naive parser
        assertThatThrownBy(() -> parse(with("d", "legitimate.com(.attacker.com"))).hasMessage("d=legitimate.com(.attacker.com is not a domain name");
        assertThatThrownBy(() -> parse(with("d", "com"))).hasMessageContaining("is not a domain name");
        assertThatThrownBy(() -> parse(with("d", "example.com\u00e9"))).hasMessageContaining("is not a domain name");
        assertThatThrownBy(() -> parse(with("d", "-bad.example"))).hasMessageContaining("is not a domain name");
    }

    @Test
    void theIdentityIsInDOrBelowIt() throws Exception { // §3.5 i=
        assertThat(parse(GOOD.replace("s=sel;", "s=sel; i=joe@Mail.Example.com;")).identityDomain()).isEqualTo("mail.example.com");
        assertThat(parse(GOOD.replace("s=sel;", "s=sel; i=@example.com;")).identity()).isEqualTo("@example.com");
        assertThatThrownBy(() -> parse(GOOD.replace("s=sel;", "s=sel; i=joe@notexample.com;"))).hasMessageContaining("domain mismatch");
        assertThatThrownBy(() -> parse(GOOD.replace("s=sel;", "s=sel; i=joe;"))).hasMessageContaining("has no @domain");
    }

    @Test
    void theIdentityIsDkimQuotedPrintable() throws Exception { // §2.11, Mail::DKIM good_qp_*
        assertThat(parse(GOOD.replace("s=sel;", "s=sel; i=jlong=40example.com;")).identity()).isEqualTo("jlong@example.com");
        assertThat(parse(GOOD.replace("s=sel;", "s=sel; i==6Aoe@example=2Ecom;")).identity()).isEqualTo("joe@example.com");
        assertThatThrownBy(() -> parse(GOOD.replace("s=sel;", "s=sel; i=joe=4@example.com;"))).hasMessageContaining("broken =XX escape");
    }

    @Test
    void lTAndXAreNumbersAndXComesAfterT() throws Exception { // §3.5
        DkimSignature s = parse(GOOD.replace("s=sel;", "s=sel; l=120; t=1000; x=2000;"));
        assertThat(s.bodyLength()).hasValue(120);
        assertThat(s.timestamp()).hasValue(Instant.ofEpochSecond(1000));
        assertThat(s.expiration()).hasValue(Instant.ofEpochSecond(2000));
        assertThatThrownBy(() -> parse(GOOD.replace("s=sel;", "s=sel; t=2000; x=1000;"))).hasMessageContaining("x= is not after t=");
        assertThatThrownBy(() -> parse(GOOD.replace("s=sel;", "s=sel; l=-1;"))).hasMessageContaining("l=-1 is not a number");
        assertThatThrownBy(() -> parse(GOOD.replace("s=sel;", "s=sel; l=99999999999999999999;"))).hasMessageContaining("is not a number");
    }
}
