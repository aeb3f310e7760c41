package dev.facteur.auth.srs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.message.AddressSyntax;
import dev.facteur.message.Mailbox;
import dev.facteur.message.ReversePath;
import dev.facteur.testing.ManualClock;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What a peer sends never throws: an address tagged SRS but not of the form is refused as malformed. */
class MalformedInputTest {

    final Srs srs = new Srs(SrsSecrets.of("tops3cret"), "fwd.example.net", ManualClock.at(Instant.parse("2026-12-02T12:00:00Z")));

    private Reversed reverse(String localPart) {
        return srs.reverse(new Mailbox(localPart, "fwd.example.net"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "SRS0=", "SRS0+", "SRS0=zrNa", "SRS0=zrNa=JV", "SRS0=zrNa=JV=example.org",  // fields missing: no user, no @ inside
            "SRS0==JV=example.org=alice", "SRS0=zrNa==example.org=alice",                // empty hash, empty stamp
            "SRS0=zrNa=JV==alice",                                                       // empty domain
            "SRS0=zrN=JV=example.org=alice", "SRS0=zrNaa=JV=example.org=alice",         // hash not 4 characters
            "SRS0=zrNa=J1=example.org=alice", "SRS0=zrNa=J8=example.org=alice",         // not base32 (no 0, 1, 8, 9)
            "SRS0=zrNa=JVV=example.org=alice", "SRS0=zrNa=J=example.org=alice",         // not 2 characters
            "SRS1=", "SRS1=t3zt", "SRS1=t3zt=first.example", "SRS1=t3zt==x",            // SRS1 fields missing or empty
            "SRS1==first.example==abcd=AB=orig.example=user", "SRS1=t3z=first.example==x"})
    void aTaggedLocalPartNotOfTheFormIsMalformed(String localPart) {
        assertThat(reverse(localPart)).isInstanceOf(Reversed.Malformed.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"SRS0=zrNa=JV=example.org\"", "\"SRS0 zrNa JV example.org alice\"", "\"SRS1=t3zt=first.example\""})
    void quotedLocalPartsAreReadByTheirContent(String localPart) throws AddressSyntax.Invalid {
        Mailbox m = AddressSyntax.parseMailbox(localPart + "@fwd.example.net", true);
        assertThat(srs.reverse(m)).isInstanceOfAny(Reversed.Malformed.class, Reversed.NotSrs.class);
    }

    @Test
    void aGenuineHashOverSomethingNoMailboxCanHoldIsMalformedNotACrash() {
        // only we can sign; a hash this package made by mistake must still not throw
        var hash = new SrsHash(SrsSecrets.of("tops3cret"));
        String host = "not_a.domain!";
        assertThat(reverse("\"SRS0=" + hash.sign("JV", host, "alice") + "=JV=" + host + "=alice\""))
                .isInstanceOf(Reversed.Malformed.class);
        assertThat(reverse("\"SRS1=" + hash.sign(host, "=x") + "=" + host + "==x\"")).isInstanceOf(Reversed.Malformed.class);
    }

    @Test
    void anEmptyLocalPartIsALocalPartUnderTheHash() { // RFC 5321 §4.1.2: "" is a Quoted-string
        assertThat(reverse("SRS0=zrNa=JV=example.org=")).isInstanceOf(Reversed.Forged.class);
    }

    @Test
    void theBarePostmasterHasNoDomainSoIsNoSrsAddress() { // RFC 5321 §4.1.1.3
        assertThat(srs.reverse(Mailbox.postmaster())).isEqualTo(new Reversed.NotSrs());
    }

    @Test
    void anAddressWithoutAtSignNeverReachesTheCodec() { // AddressSyntax refuses it first
        assertThat(AddressSyntax.tryParseMailbox("SRS0=zrNa=JV=example.org=alice", true)).isEmpty();
    }

    @Test
    void aSenderThatOnlyLooksLikeSrs1IsWrappedAsAnOrdinarySender() {
        var sender = ReversePath.of(new Mailbox("SRS1=broken", "second.example"));
        var out = srs.forward(sender);
        assertThat(out).isInstanceOfSatisfying(Forwarded.Rewritten.class,
                r -> assertThat(r.sender().toString()).startsWith("SRS0=").endsWith("=second.example=SRS1=broken@fwd.example.net"));
        assertThat(srs.reverse(((Forwarded.Rewritten) out).sender().mailbox().orElseThrow()))
                .isEqualTo(new Reversed.Decoded(new Mailbox("SRS1=broken", "second.example")));
    }

    @Test
    void aSenderTaggedSrs0ButNotOfTheFormIsCarriedWholeInSrs1AsLibsrs2Does() {
        var out = srs.forward(ReversePath.of(new Mailbox("SRS0-x", "first.example")));
        assertThat(out).isEqualTo(new Forwarded.Rewritten(ReversePath.of(new Mailbox("SRS1=aS7v=first.example=-x", "fwd.example.net"))));
    }
}
