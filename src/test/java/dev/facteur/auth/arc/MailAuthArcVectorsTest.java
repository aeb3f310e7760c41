package dev.facteur.auth.arc;

import static dev.facteur.auth.arc.ArcTestData.CLOCK;
import static dev.facteur.auth.arc.ArcTestData.stream;
import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.auth.arc.ArcTestData.DnsAndMessage;
import org.junit.jupiter.api.Test;

/**
 * stalwartlabs/mail-auth's two ARC-sealed messages (mail-auth/expected.json; Apache-2.0 or MIT,
 * see mail-auth/LICENSE-*): real mail through Google, and a two-hop chain whose first seal is
 * Ed25519. mail-auth expects both chains to pass.
 */
class MailAuthArcVectorsTest {

    @Test
    void aChainSealedByGooglePasses() throws Exception { // 001.txt: i=1 by google.com, rsa-sha256
        var vector = DnsAndMessage.of("mail-auth/001.txt");
        ArcResult result = new ArcVerifier(vector.dns(), CLOCK).verify(stream(vector.message()));
        assertThat(result).as(result.toString()).isInstanceOfSatisfying(ArcResult.Pass.class, pass -> {
            assertThat(pass.sealers()).containsExactly("google.com");
            assertThat(pass.oldestPass()).isZero();
        });
    }

    /**
     * 002.txt: i=1 is sealed ed25519-sha256 by scamorza.org, i=2 rsa-sha256 by manchego.org.
     * RFC 8617 names no algorithm of its own: the AMS takes DKIM's a= "with the same syntax and
     * semantics" (§4.1.2) and the seal the same tag, and DKIM's algorithms include ed25519-sha256
     * since RFC 8463. So Facteur accepts it, as mail-auth does; dkimpy 1.1.4 does not. Facteur
     * seals with rsa-sha256 only, which every receiver reads.
     */
    @Test
    void aChainWithAnEd25519SealPasses() throws Exception {
        var vector = DnsAndMessage.of("mail-auth/002.txt");
        ArcResult result = new ArcVerifier(vector.dns(), CLOCK).verify(stream(vector.message()));
        assertThat(result).as(result.toString()).isInstanceOfSatisfying(ArcResult.Pass.class, pass -> {
            assertThat(pass.sealers()).containsExactly("scamorza.org", "manchego.org");
            assertThat(pass.hops()).extracting(ArcResult.Hop::authservId).containsExactly("scamorza.org", "manchego.org");
            assertThat(pass.newest().results()).startsWith("dkim=pass header.d=manchego.org");
        });
    }
}
