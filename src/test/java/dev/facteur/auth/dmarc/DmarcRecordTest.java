package dev.facteur.auth.dmarc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.auth.dmarc.DmarcRecord.Parse;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class DmarcRecordTest {

    static DmarcRecord valid(String text) {
        Parse parse = DmarcRecord.parse(text);
        assertThat(parse).as(text).isInstanceOf(Parse.Valid.class);
        return ((Parse.Valid) parse).record();
    }

    @Test void defaultsForAbsentTags() { // DMARCbis §4.7
        DmarcRecord r = valid("v=DMARC1; p=reject");
        assertThat(r.p()).isEqualTo(Policy.REJECT);
        assertThat(r.subdomainPolicy()).isEqualTo(Policy.REJECT);
        assertThat(r.nonExistentPolicy()).isEqualTo(Policy.REJECT);
        assertThat(r.adkim()).isEqualTo(AlignmentMode.RELAXED);
        assertThat(r.aspf()).isEqualTo(AlignmentMode.RELAXED);
        assertThat(r.psd()).isEqualTo(Psd.UNKNOWN);
        assertThat(r.testing()).isFalse();
        assertThat(r.fo()).isEqualTo("0");
        assertThat(r.ri()).isEqualTo(86_400);
        assertThat(r.rua()).isEmpty();
    }

    @Test void npFallsBackToSpThenP() { // §4.7 np
        assertThat(valid("v=DMARC1; p=reject; sp=quarantine").nonExistentPolicy()).isEqualTo(Policy.QUARANTINE);
        assertThat(valid("v=DMARC1; p=reject; sp=quarantine; np=none").nonExistentPolicy()).isEqualTo(Policy.NONE);
    }

    @Test void versionMustComeFirstAndIsCaseSensitive() { // §4.7 v
        assertThat(DmarcRecord.parse("p=reject; v=DMARC1")).isInstanceOf(Parse.NotDmarc.class);
        assertThat(DmarcRecord.parse("v=dmarc1; p=reject")).isInstanceOf(Parse.NotDmarc.class);
        assertThat(DmarcRecord.parse("v=spf1 -all")).isInstanceOf(Parse.NotDmarc.class);
        assertThat(DmarcRecord.parse("v = DMARC1 ; p = reject")).isInstanceOf(Parse.Valid.class); // equals = *WSP "=" *WSP
    }

    @Test void missingPWithValidRuaIsReadAsPNone() { // §4.10.1; RFC 7489 §6.6.3
        DmarcRecord r = valid("v=DMARC1; rua=mailto:d@example.org");
        assertThat(r.p()).isEqualTo(Policy.NONE);
        assertThat(r.pAssumed()).isTrue();
    }

    @Test void invalidSpOrNpWithRuaMakesTheWholeRecordPNone() { // §4.10.1 "or contains an sp or np tag that is not valid"
        DmarcRecord r = valid("v=DMARC1; p=reject; sp=bogus; rua=mailto:d@example.org");
        assertThat(r.p()).isEqualTo(Policy.NONE);
        assertThat(r.subdomainPolicy()).isEqualTo(Policy.NONE);
        assertThat(r.nonExistentPolicy()).isEqualTo(Policy.NONE);
    }

    @Test void missingPWithoutRuaIsUnusable() { // §4.10.1 "applies no DMARC processing"
        assertThat(DmarcRecord.parse("v=DMARC1")).isInstanceOf(Parse.Unusable.class);
        assertThat(DmarcRecord.parse("v=DMARC1; p=always")).isInstanceOf(Parse.Unusable.class);
        assertThat(DmarcRecord.parse("v=DMARC1; p=reject; np=maybe")).isInstanceOf(Parse.Unusable.class);
        assertThat(DmarcRecord.parse("v=DMARC1; rua=https://example.org/reports!!")).isInstanceOf(Parse.Unusable.class);
    }

    @Test void invalidOptionalValuesFallBackToDefaults() { // §4.8 "discarded in favor of default values"
        DmarcRecord r = valid("v=DMARC1; p=quarantine; adkim=x; aspf=; psd=maybe; t=perhaps; fo=2; ri=soon; pct=150");
        assertThat(r.adkim()).isEqualTo(AlignmentMode.RELAXED);
        assertThat(r.psd()).isEqualTo(Psd.UNKNOWN);
        assertThat(r.t()).isEmpty();
        assertThat(r.fo()).isEqualTo("0");
        assertThat(r.ri()).isEqualTo(86_400);
        assertThat(r.pct()).isEmpty();
    }

    @Test void foIsASetAndZeroExcludesOne() { // §4.8 dmarc-fo
        assertThat(valid("v=DMARC1; p=none; fo=s:d").fo()).isEqualTo("d:s");
        assertThat(valid("v=DMARC1; p=none; fo=1:d").fo()).isEqualTo("1:d");
        assertThat(valid("v=DMARC1; p=none; fo=0:1").fo()).isEqualTo("0");
        assertThat(valid("v=DMARC1; p=none; fo=d:d").fo()).isEqualTo("0");
    }

    @Test void testingFlagAndItsPctAncestor() { // §4.7 t; Appendix A.6
        assertThat(valid("v=DMARC1; p=reject; t=y").testing()).isTrue();
        assertThat(valid("v=DMARC1; p=reject; pct=0").testing()).isTrue();
        assertThat(valid("v=DMARC1; p=reject; pct=50").testing()).as("historic pct values: the policy applies").isFalse();
        assertThat(valid("v=DMARC1; p=reject; pct=0; t=n").testing()).as("an explicit t wins").isFalse();
        assertThat(valid("v=DMARC1; p=reject; pct=25").pct()).isEqualTo(OptionalInt.of(25));
    }

    @Test void repeatedTagKeepsTheFirstValue() {
        assertThat(valid("v=DMARC1; p=reject; p=none").p()).isEqualTo(Policy.REJECT);
    }

    @Test void unknownTagsAndEmptyTagsAreIgnored() { // §4.7 "unknown tags MUST be ignored"
        DmarcRecord r = valid("v=DMARC1;; p=none; future=1; x_y=2; ;");
        assertThat(r.p()).isEqualTo(Policy.NONE);
    }

    @Test void reportUrisWithSizeLimits() { // RFC 7489 §6.2: units are powers of two
        DmarcRecord r = valid("v=DMARC1; p=none; rua=mailto:a@example.com!10, mailto:b@example.com!10k,mailto:c@example.com!1m,"
                + "mailto:d@example.com!2G , mailto:e@example.com!1t, https://reports.example.com/dmarc");
        assertThat(r.rua()).extracting(ReportUri::sizeLimit).containsExactly(OptionalLong.of(10), OptionalLong.of(10_240),
                OptionalLong.of(1_048_576), OptionalLong.of(2_147_483_648L), OptionalLong.of(1L << 40), OptionalLong.empty());
        assertThat(r.rua().getLast().scheme()).isEqualTo("https");
        assertThat(r.rua().getFirst().mailbox()).hasValue("a@example.com");
    }

    @Test void malformedUrisAreDropped() { // RFC 9990 §2.5: "they SHOULD be ignored"
        DmarcRecord r = valid("v=DMARC1; p=none; rua=dmarc@example.com, mailto:, mailto:x@example.com!lots, mailto:ok@example.com");
        assertThat(r.rua()).extracting(u -> u.mailbox().orElseThrow()).containsExactly("ok@example.com");
    }

    @Test void mailtoAddressesArePercentDecodedAndLoseTheirHeaders() { // RFC 6068
        DmarcRecord r = valid("v=DMARC1; p=none; rua=mailto:dmarc%2Breports@example.com?subject=hi");
        assertThat(r.rua().getFirst().mailbox()).hasValue("dmarc+reports@example.com");
    }
}
