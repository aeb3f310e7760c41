package dev.facteur.auth.arc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.facteur.auth.dkim.Canonicalization;
import dev.facteur.auth.dkim.PermFail;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The three ARC header fields as RFC 8617 §4.1 writes them. */
class ArcFieldsTest {

    static final String B = "dGhpcyBpcyBub3QgYSBzaWduYXR1cmU=";

    @Test
    void resultsStartWithTheInstanceThenTheAuthservId() throws Exception { // §4.1.1
        var aar = ArcAuthenticationResults.parse(
                "ARC-Authentication-Results: i = 3 ; (our MX) mx.example.org;\r\n\tspf=pass smtp.mailfrom=a.example;\r\n\tdkim=none\r\n");
        assertThat(aar.instance()).isEqualTo(3);
        assertThat(aar.authservId()).isEqualTo("mx.example.org");
        assertThat(aar.results()).isEqualTo("spf=pass smtp.mailfrom=a.example; dkim=none");
    }

    @Test
    void resultsWithoutTheirInstanceFirstDoNotRead() {
        assertThatThrownBy(() -> ArcAuthenticationResults.parse("ARC-Authentication-Results: mx.example.org; i=1; spf=pass\r\n"))
                .isInstanceOf(PermFail.class).hasMessage("does not start with i=");
        assertThatThrownBy(() -> ArcAuthenticationResults.parse("ARC-Authentication-Results: i=1 mx.example.org; spf=pass\r\n"))
                .isInstanceOf(PermFail.class).hasMessage("i=1 is not followed by a semicolon");
        assertThatThrownBy(() -> ArcAuthenticationResults.parse("ARC-Authentication-Results: i=1; ; spf=pass\r\n"))
                .isInstanceOf(PermFail.class).hasMessage("i=1 has no authserv-id");
    }

    @Test
    void instancesRunFromOneToFifty() { // §4.2.1
        for (String i : new String[] {"0", "51", "100", "", "a", "-1", "1.0"})
            assertThatThrownBy(() -> ArcTags.instance(i)).as("i=%s", i).isInstanceOf(PermFail.class);
    }

    @Test
    void aMessageSignatureIsADkimSignatureWithAnInstanceForIdentity() throws Exception { // §4.1.2
        var ams = ArcMessageSignature.parse("ARC-Message-Signature: i=2; a=rsa-sha256; c=relaxed/simple; d=Lists.Example; s=arc;\r\n"
                + "\tv=1; h=From : Subject; bh=" + B + "; b=" + B + "\r\n");
        assertThat(ams.instance()).isEqualTo(2);
        assertThat(ams.domain()).isEqualTo("lists.example");
        assertThat(ams.signedHeaders()).containsExactly("from", "subject");
        assertThat(ams.headerCanonicalization()).isEqualTo(Canonicalization.RELAXED);
        assertThat(ams.bodyCanonicalization()).isEqualTo(Canonicalization.SIMPLE);
        assertThat(ams.keyName()).isEqualTo("arc._domainkey.lists.example");
    }

    @Test
    void aMessageSignatureWithoutCIsSimpleAsInDkim() throws Exception { // RFC 6376 §3.5, imported by §4.1.2
        var ams = ArcMessageSignature.parse("ARC-Message-Signature: i=1; a=rsa-sha256; d=a.example; s=arc; h=from; bh=" + B + "; b=" + B + "\r\n");
        assertThat(ams.headerCanonicalization()).isEqualTo(Canonicalization.SIMPLE);
    }

    @Test
    void aMessageSignatureMustNotSignTheSeals() { // §4.1.2
        assertThatThrownBy(() -> ArcMessageSignature.parse(
                "ARC-Message-Signature: i=1; a=rsa-sha256; d=a.example; s=arc; h=from:arc-seal; bh=" + B + "; b=" + B + "\r\n"))
                .isInstanceOf(PermFail.class).hasMessageContaining("signs ARC-Seal");
    }

    @Test
    void aSealHasNoHAndACvOfNonePassOrFail() throws Exception { // §4.1.3, §4.4
        var seal = ArcSeal.parse("ARC-Seal: i=1; a=rsa-sha256; t=1700000000; cv=none; d=a.example; s=arc; b=" + B + "\r\n");
        assertThat(seal.cv()).isEqualTo(ChainValidationStatus.NONE);
        assertThatThrownBy(() -> ArcSeal.parse("ARC-Seal: i=1; a=rsa-sha256; cv=none; d=a.example; s=arc; h=from; b=" + B + "\r\n"))
                .isInstanceOf(PermFail.class).hasMessageContaining("h= is not allowed");
        assertThatThrownBy(() -> ArcSeal.parse("ARC-Seal: i=1; a=rsa-sha256; cv=maybe; d=a.example; s=arc; b=" + B + "\r\n"))
                .isInstanceOf(PermFail.class).hasMessageContaining("cv=maybe");
        assertThatThrownBy(() -> ArcSeal.parse("ARC-Seal: i=1; a=rsa-sha1; cv=none; d=a.example; s=arc; b=" + B + "\r\n"))
                .isInstanceOf(PermFail.class).hasMessageContaining("RFC 8301");
    }

    @Test
    void fieldsAreFoldedBetweenTagsAndNamesNeverInsideOne() {
        String f = FieldWriter.field("ARC-Message-Signature", List.of("a=rsa-sha256", "b=" + "x".repeat(100), "c=relaxed/relaxed",
                "h=" + FieldWriter.names(Collections.nCopies(12, "content-transfer-encoding"))));
        for (String line : f.split("\r\n")) assertThat(line.length()).isLessThanOrEqualTo(110);
        assertThat(f.replaceAll("\r\n[\t ]+", "")).contains("h=" + String.join(":", Collections.nCopies(12, "content-transfer-encoding")));
        assertThat(f).doesNotEndWith(";");
    }
}
