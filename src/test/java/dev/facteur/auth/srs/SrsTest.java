package dev.facteur.auth.srs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.facteur.message.AddressSyntax;
import dev.facteur.message.Mailbox;
import dev.facteur.message.ReversePath;
import dev.facteur.testing.ManualClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The Sender Rewriting Scheme as Shevek's paper, libsrs2 and postsrsd have it, one rule a test. */
class SrsTest {

    /** 2026-12-02, UTC day 20789: stamp JV (slot 309). */
    static final Instant DAY = Instant.parse("2026-12-02T12:00:00Z");
    static final String FORWARDER = "fwd.example.net";

    final ManualClock clock = ManualClock.at(DAY);
    final Srs srs = new Srs(SrsSecrets.of("tops3cret"), FORWARDER, clock);

    static Mailbox mailbox(String address) {
        try {
            return AddressSyntax.parseMailbox(address, true);
        } catch (AddressSyntax.Invalid e) {
            throw new AssertionError(address + ": " + e.getMessage());
        }
    }

    static ReversePath path(String address) {
        return ReversePath.of(mailbox(address));
    }

    /** The rewritten sender, failing the test when there is none. */
    static String forward(Srs srs, String sender) {
        var out = srs.forward(path(sender));
        assertThat(out).as(sender).isInstanceOf(Forwarded.Rewritten.class);
        return ((Forwarded.Rewritten) out).sender().toString();
    }

    String forward(String sender) {
        return forward(srs, sender);
    }

    Reversed reverse(String recipient) {
        return srs.reverse(mailbox(recipient));
    }

    static Reversed decoded(String address) {
        return new Reversed.Decoded(mailbox(address));
    }

    @Nested
    class Forwarding {

        @Test
        void anOriginalSenderBecomesSrs0AtTheForwarder() { // SRS0=HHHH=TT=domain=local@forwarder
            assertThat(forward("alice@example.org")).isEqualTo("SRS0=zrNa=JV=example.org=alice@fwd.example.net");
        }

        @Test
        void theStampIsTheDayModulo1024InBase32() {
            clock.set(Instant.parse("1970-01-01T23:59:59Z"));
            assertThat(forward("alice@example.org")).contains("=AA=");
            clock.set(Instant.EPOCH.plus(Duration.ofDays(1024 + 33)));
            assertThat(forward("alice@example.org")).contains("=BB=");
            clock.set(Instant.EPOCH.plus(Duration.ofDays(1023)));
            assertThat(forward("alice@example.org")).contains("=77=");
        }

        @Test
        void anSrs0AddressOfAnotherForwarderBecomesSrs1NamingThatForwarder() {
            assertThat(forward("SRS0=abcd=AB=orig.example=user@first.example"))
                    .isEqualTo("SRS1=t3zt=first.example==abcd=AB=orig.example=user@fwd.example.net");
        }

        @Test
        void srs1KeepsTheSrs0SeparatorSoTheFirstForwarderGetsBackWhatItWrote() {
            assertThat(forward("SRS0+abcd=AB=orig.example=user@first.example"))
                    .isEqualTo("SRS1=gpbP=first.example=+abcd=AB=orig.example=user@fwd.example.net");
        }

        @Test
        void anSrs1AddressKeepsItsFirstForwarderSoTheChainStaysOneLevel() {
            assertThat(forward("SRS1=abcd=first.example==HHHH=TT=orig.example=user@second.example"))
                    .isEqualTo("SRS1=XrUD=first.example==HHHH=TT=orig.example=user@fwd.example.net");
        }

        @Test
        void theNullReversePathIsNeverRewritten() { // RFC 5321 §4.5.5: nothing may answer a bounce
            assertThat(srs.forward(ReversePath.NULL)).isEqualTo(new Forwarded.Unchanged(ReversePath.NULL, Forwarded.Why.NULL_PATH));
        }

        @ParameterizedTest
        @ValueSource(strings = {"bob@fwd.example.net", "bob@FWD.Example.NET", "SRS0=zrNa=JV=example.org=alice@fwd.example.net",
                "SRS1=t3zt=first.example==abcd=AB=orig.example=user@fwd.example.net"})
        void aSenderAlreadyInTheForwardingDomainIsNotWrappedAgain(String sender) {
            assertThat(srs.forward(path(sender))).isEqualTo(new Forwarded.Unchanged(path(sender), Forwarded.Why.OWN_DOMAIN));
        }

        @Test
        void aQuotedLocalPartIsEmbeddedByItsContentAndTheResultQuotedBecauseItMustBe() {
            assertThat(forward("\"a b\"@example.org")).isEqualTo("\"SRS0=YJ1l=JV=example.org=a b\"@fwd.example.net");
            assertThat(forward("\"alice\"@example.org")).isEqualTo(forward("alice@example.org"));
        }

        @Test
        void anInternationalizedLocalPartIsHashedAsItsUtf8Bytes() { // RFC 6531
            assertThat(forward("café@example.org")).isEqualTo("SRS0=enYK=JV=example.org=café@fwd.example.net");
        }

        @Test
        void aSenderWhoseRewrittenLocalPartWouldPass64OctetsIsLeftToTheCallerAsTooLong() { // RFC 5321 §4.5.3.1.1
            String local = "a".repeat(64 - "SRS0=HHHH=TT=example.org=".length());
            assertThat(srs.forward(path(local + "@example.org"))).isInstanceOf(Forwarded.Rewritten.class);
            var sender = path(local + "b@example.org");
            assertThat(srs.forward(sender)).isEqualTo(new Forwarded.TooLong(sender, 65));
        }

        @Test
        void octetsCountUtf8AndQuotes() {
            String local = "é".repeat(20); // 40 octets
            var sender = path(local + "@example.org");
            assertThat(srs.forward(sender)).isEqualTo(new Forwarded.TooLong(sender, "SRS0=HHHH=TT=example.org=".length() + 40));
        }
    }

    @Nested
    class Reversing {

        @Test
        void srs0ComesBackAsTheOriginalSender() {
            assertThat(srs.reverse(mailbox(forward("alice@example.org")))).isEqualTo(decoded("alice@example.org"));
        }

        @Test
        void srs1ComesBackAsTheSrs0AddressAtTheFirstForwarder() {
            String srs1 = forward("SRS0=abcd=AB=orig.example=user@first.example");
            assertThat(reverse(srs1)).isEqualTo(decoded("SRS0=abcd=AB=orig.example=user@first.example"));
        }

        @Test
        void aQuotedLocalPartComesBackQuoted() {
            assertThat(reverse(forward("\"a b\"@example.org"))).isEqualTo(decoded("\"a b\"@example.org"));
            assertThat(reverse(forward("\"a\\\"b@c\"@example.org"))).isEqualTo(decoded("\"a\\\"b@c\"@example.org"));
        }

        @Test
        void anOriginalLocalPartHoldingSeparatorsComesBackWhole() { // the local part is all that follows the domain
            assertThat(reverse(forward("a=b=c+d-e@example.org"))).isEqualTo(decoded("a=b=c+d-e@example.org"));
        }

        @Test
        void anAddressLiteralComesBack() {
            assertThat(reverse(forward("joe@[192.0.2.1]"))).isEqualTo(decoded("joe@[192.0.2.1]"));
        }

        @ParameterizedTest
        @ValueSource(strings = {"lower", "upper"})
        void caseChangesOnTheWaySurvive(String change) { // mailers may fold the case of a local part
            String srs0 = forward("Alice@Example.org");
            String changed = change.equals("lower") ? srs0.toLowerCase() : srs0.toUpperCase();
            assertThat(reverse(changed)).isInstanceOfSatisfying(Reversed.Decoded.class,
                    d -> assertThat(d.address().toString()).isEqualToIgnoringCase("alice@example.org"));
            String srs1 = forward("SRS0=abcd=AB=orig.example=user@first.example");
            assertThat(reverse(change.equals("lower") ? srs1.toLowerCase() : srs1.toUpperCase()))
                    .isInstanceOf(Reversed.Decoded.class);
        }

        @ParameterizedTest
        @ValueSource(strings = {"+", "-"})
        void theOtherSeparatorsAfterTheTagAreRead(String separator) {
            String srs0 = forward("alice@example.org").replaceFirst("=", separator);
            assertThat(reverse(srs0)).isEqualTo(decoded("alice@example.org"));
        }

        @Test
        void aChangedHashIsForged() {
            assertThat(reverse("SRS0=zrNb=JV=example.org=alice@fwd.example.net")).isInstanceOf(Reversed.Forged.class);
        }

        @Test
        void aChangedAddressUnderTheHashIsForged() {
            assertThat(reverse("SRS0=zrNa=JV=example.org=mallory@fwd.example.net")).isInstanceOf(Reversed.Forged.class);
            assertThat(reverse("SRS0=zrNa=JV=example.com=alice@fwd.example.net")).isInstanceOf(Reversed.Forged.class);
            assertThat(reverse("SRS0=zrNa=JU=example.org=alice@fwd.example.net")).isInstanceOf(Reversed.Forged.class);
            assertThat(reverse("SRS1=t3zt=evil.example==abcd=AB=orig.example=user@fwd.example.net")).isInstanceOf(Reversed.Forged.class);
        }

        @Test
        void anotherSecretsAddressIsForged() {
            var other = new Srs(SrsSecrets.of("not-ours"), FORWARDER, clock);
            assertThat(srs.reverse(mailbox(forward(other, "alice@example.org")))).isInstanceOf(Reversed.Forged.class);
        }

        @Test
        void anAddressUpToTheMaximumAgeDecodesAndOneDayOlderHasExpired() { // Mail::SRS and postsrsd: 21 days
            String srs0 = forward("alice@example.org");
            clock.advance(Duration.ofDays(21));
            assertThat(reverse(srs0)).isEqualTo(decoded("alice@example.org"));
            clock.advance(Duration.ofDays(1));
            assertThat(reverse(srs0)).isEqualTo(new Reversed.Expired(22, 21));
        }

        @Test
        void theMaximumAgeIsConfigurable() {
            var week = new Srs(SrsSecrets.of("tops3cret"), FORWARDER, clock, Duration.ofDays(7));
            String srs0 = forward(week, "alice@example.org");
            clock.advance(Duration.ofDays(8));
            assertThat(week.reverse(mailbox(srs0))).isEqualTo(new Reversed.Expired(8, 7));
        }

        @Test
        void theStampIsReadAcrossItsWrap() { // day 1023 then day 1024 = slot 0: one day old, not -1023
            clock.set(Instant.EPOCH.plus(Duration.ofDays(1023)));
            String srs0 = forward("alice@example.org");
            clock.advance(Duration.ofDays(1));
            assertThat(reverse(srs0)).isEqualTo(decoded("alice@example.org"));
        }

        @Test
        void aStampFromTheFutureIsTakenAsOneThatWrappedAndHasExpired() { // libsrs2, Mail::SRS: stamps are in the past
            String srs0 = forward("alice@example.org");
            clock.advance(Duration.ofDays(-1));
            assertThat(reverse(srs0)).isEqualTo(new Reversed.Expired(1023, 21));
        }

        @Test
        void anAddressAtAnotherDomainIsNotOurs() {
            assertThat(reverse("SRS0=zrNa=JV=example.org=alice@other.example")).isEqualTo(new Reversed.NotSrs());
        }

        @ParameterizedTest
        @ValueSource(strings = {"bob@fwd.example.net", "srs0@fwd.example.net", "SRS0@fwd.example.net", "SRS0x=a=b=c=d@fwd.example.net",
                "SRS2=zrNa=JV=example.org=alice@fwd.example.net", "xSRS0=zrNa=JV=example.org=alice@fwd.example.net"})
        void anOrdinaryLocalPartIsNotSrs(String recipient) {
            assertThat(reverse(recipient)).isEqualTo(new Reversed.NotSrs());
        }
    }

    @Nested
    class Secrets {

        final Srs before = new Srs(SrsSecrets.of("old-secret"), FORWARDER, clock);
        final Srs after = new Srs(SrsSecrets.of("new-secret", "old-secret"), FORWARDER, clock);

        @Test
        void theFirstSecretSignsAndEveryOneVerifies() {
            String signedBefore = forward(before, "alice@example.org");
            String signedAfter = forward(after, "alice@example.org");
            assertThat(signedAfter).isEqualTo(forward(new Srs(SrsSecrets.of("new-secret"), FORWARDER, clock), "alice@example.org"))
                    .isNotEqualTo(signedBefore);
            assertThat(after.reverse(mailbox(signedBefore))).isEqualTo(decoded("alice@example.org"));
            assertThat(after.reverse(mailbox(signedAfter))).isEqualTo(decoded("alice@example.org"));
            assertThat(before.reverse(mailbox(signedAfter))).isInstanceOf(Reversed.Forged.class);
        }

        @Test
        void srs1IsVerifiedWithEverySecretToo() {
            String signedBefore = forward(before, "SRS0=abcd=AB=orig.example=user@first.example");
            assertThat(after.reverse(mailbox(signedBefore))).isEqualTo(decoded("SRS0=abcd=AB=orig.example=user@first.example"));
        }

        @Test
        void thereIsNoSchemeWithoutASecretOrWithAnEmptyOne() {
            assertThatThrownBy(() -> SrsSecrets.of()).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> SrsSecrets.of("a", "")).isInstanceOf(IllegalArgumentException.class);
        }

        @Test
        void theSecretsNeverShowInText() {
            assertThat(SrsSecrets.of("tops3cret").toString()).doesNotContain("tops3cret");
            assertThat(srs.toString()).doesNotContain("tops3cret");
        }
    }

    @Nested
    class Settings {

        @ParameterizedTest
        @ValueSource(strings = {"PT0S", "PT23H", "P1DT1H", "P1024D", "-P1D"})
        void theMaximumAgeIsWholeDaysUnderTheWrap(String maxAge) {
            assertThatThrownBy(() -> new Srs(SrsSecrets.of("s"), FORWARDER, clock, Duration.parse(maxAge)))
                    .isInstanceOf(IllegalArgumentException.class);
        }

        @Test
        void theForwardingDomainIsADomain() {
            assertThatThrownBy(() -> new Srs(SrsSecrets.of("s"), "not a domain", clock)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> new Srs(SrsSecrets.of("s"), "", clock)).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
