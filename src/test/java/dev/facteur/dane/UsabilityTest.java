package dev.facteur.dane;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.dns.Tlsa;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which TLSA records an SMTP client uses: RFC 7672 §3.1, and digest agility (RFC 7672 §5, RFC 7671 §9). */
class UsabilityTest {

    private static final String D32 = "00".repeat(32);
    private static final String D64 = "11".repeat(64);

    @Test
    void daneTaAndDaneEeWithKnownParametersAreUsable() {
        for (String r : List.of("3 1 1 " + D32, "3 0 1 " + D32, "3 1 2 " + D64, "3 0 0 3082", "2 0 1 " + D32, "2 1 0 3059"))
            assertThat(Usability.whyUnusable(Tlsa.parse(r))).as(r).isEmpty();
    }

    @Test
    void pkixUsagesAreUnusableForSmtp() { // RFC 7672 §3.1.3
        assertThat(Usability.whyUnusable(Tlsa.parse("0 0 1 " + D32))).hasValueSatisfying(w -> assertThat(w).contains("§3.1.3"));
        assertThat(Usability.whyUnusable(Tlsa.parse("1 1 1 " + D32))).isPresent();
    }

    @Test
    void unknownUsagesSelectorsAndMatchingTypesAreUnusable() {
        assertThat(Usability.whyUnusable(Tlsa.parse("4 1 1 " + D32))).contains("unknown certificate usage 4");
        assertThat(Usability.whyUnusable(Tlsa.parse("3 2 1 " + D32))).contains("unknown selector 2");
        assertThat(Usability.whyUnusable(Tlsa.parse("3 1 3 " + D32))).contains("unknown matching type 3");
    }

    @Test
    void aDigestOfTheWrongLengthIsMalformed() { // RFC 7671 §9: discarded before anything else
        assertThat(Usability.whyUnusable(Tlsa.parse("3 1 1 " + "00".repeat(31)))).hasValueSatisfying(w -> assertThat(w).contains("31 bytes"));
        assertThat(Usability.whyUnusable(Tlsa.parse("3 1 2 " + D32))).isPresent();
        assertThat(Usability.whyUnusable(new Tlsa(3, 1, 0, new byte[0]))).isPresent();
    }

    @Test
    void onlyTheStrongestDigestOfEachUsageAndSelectorCounts() { // RFC 7671 §9
        Tlsa sha256 = Tlsa.parse("3 1 1 " + D32);
        Tlsa sha512 = Tlsa.parse("3 1 2 " + D64);
        Tlsa full = Tlsa.parse("3 1 0 3059");
        Tlsa certSha256 = Tlsa.parse("3 0 1 " + D32);
        Tlsa taSha256 = Tlsa.parse("2 1 1 " + D32);
        assertThat(Usability.usable(List.of(sha256, sha512, full, certSha256, taSha256)))
                .containsExactly(sha512, full, certSha256, taSha256);
    }

    @Test
    void aMalformedStrongerDigestDoesNotHideAWeakerGoodOne() { // agility comes after discarding what is unusable
        Tlsa sha256 = Tlsa.parse("3 1 1 " + D32);
        Tlsa badSha512 = Tlsa.parse("3 1 2 " + D32);
        assertThat(Usability.usable(List.of(sha256, badSha512))).containsExactly(sha256);
    }

    @Test
    void anRrsetOfUnusableRecordsLeavesNone() {
        assertThat(Usability.usable(List.of(Tlsa.parse("1 1 1 " + D32), Tlsa.parse("3 9 1 " + D32)))).isEmpty();
    }
}
