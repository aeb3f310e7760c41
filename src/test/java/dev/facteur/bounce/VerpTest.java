package dev.facteur.bounce;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.facteur.message.AddressSyntax;
import dev.facteur.message.Mailbox;
import dev.facteur.testing.ManualClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * VERP return paths signed as BATV signs its tags: every address comes back whole, and a bounce
 * is believed only when one of our secrets made its tag, for that recipient and domain, recently.
 */
class VerpTest {

    private static final String BOUNCES = "bounces.example.com";
    private static final Mailbox ALICE = mailbox("alice@example.org");

    private final ManualClock clock = ManualClock.at(java.time.Instant.parse("2026-11-28T23:59:00Z"));
    private final Verp verp = new Verp(VerpSecrets.of("s3cret"), clock);

    @TempDir
    Path dir;

    private static Mailbox mailbox(String a) {
        return AddressSyntax.tryParseMailbox(a, true).orElseThrow(() -> new IllegalArgumentException(a));
    }

    private static Mailbox tagged(Verp v, Mailbox recipient) {
        return ((VerpEncoded.Tagged) v.encode(recipient, BOUNCES)).returnPath();
    }

    @Test
    void theReturnPathNamesTheRecipientAfterADayAndASignature() {
        Mailbox rp = tagged(verp, ALICE);
        assertThat(rp.toString()).matches("bounce\\+\\d{3}[a-z2-7]{8}\\+alice=example\\.org@bounces\\.example\\.com");
        assertThat(rp.localPart()).startsWith("bounce+" + Math.floorMod(clock.instant().getEpochSecond() / 86_400, 1000));
        assertThat(verp.decode(rp)).isEqualTo(new VerpDecoded.Recipient(ALICE, 0));
    }

    @Test
    void equalsSignsPlusSignsQuotesAndUtf8ComeBackWhole() {
        for (String a : new String[] {"a=b+c@example.org", "\"john doe\"@example.org", "\"a@b=c\"@example.org", "\"q\\\"uote\\\\\"@example.org",
                "jöran+tag@exämple.org", "用户@例子.广告", "x@[192.0.2.1]", "x=@[IPv6:2001:db8::1]", "Alice.Smith@Example.ORG"}) {
            Mailbox m = mailbox(a);
            Mailbox rp = tagged(verp, m);
            assertThat(rp.localPart().getBytes(StandardCharsets.UTF_8).length).as(a).isLessThanOrEqualTo(64);
            assertThat(verp.decode(mailbox(rp.toString()))).as(a).isEqualTo(new VerpDecoded.Recipient(m, 0));
        }
    }

    @Test
    void manyAddressesRoundTripThroughTheWireForm() { // a property over random addresses, the awkward characters favoured
        Random random = new Random(20261128);
        String[] pieces = {"a", "Z", "0", ".", "=", "+", "-", "_", "'", "~", " ", "\"", "\\", "@", "(", ",", "é", "ß", "ü", "漢", "🙂"};
        int tagged = 0, tooLong = 0;
        for (int i = 0; i < 5000; i++) {
            StringBuilder local = new StringBuilder();
            int n = 1 + random.nextInt(random.nextBoolean() ? 8 : 40);
            for (int j = 0; j < n; j++) local.append(pieces[random.nextInt(pieces.length)]);
            String domain = random.nextBoolean() ? "example.org" : "sub" + random.nextInt(100) + ".exämple.test";
            Optional<Mailbox> m = Verp.mailbox(local.toString(), domain);
            if (m.isEmpty()) continue; // not an address
            switch (verp.encode(m.get(), BOUNCES)) {
                case VerpEncoded.Tagged t -> {
                    tagged++;
                    assertThat(t.returnPath().localPart().getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(64);
                    Mailbox wire = AddressSyntax.tryParseMailbox(t.returnPath().toString(), true).orElseThrow();
                    assertThat(wire).as("canonical already").isEqualTo(t.returnPath());
                    assertThat(verp.decode(wire)).as(m.get().toString()).isEqualTo(new VerpDecoded.Recipient(m.get(), 0));
                }
                case VerpEncoded.TooLong t -> {
                    tooLong++;
                    assertThat(t.localPartOctets()).as(m.get().toString()).isGreaterThan(64);
                }
            }
        }
        assertThat(tagged).isGreaterThan(1000);
        assertThat(tooLong).isGreaterThan(100);
    }

    @Test
    void aMailerThatChangesTheCaseOfTheLocalPartStillGetsItsBounceThrough() {
        Mailbox rp = tagged(verp, ALICE);
        Mailbox shouted = new Mailbox(rp.localPart().toUpperCase(Locale.ROOT), rp.domain().toUpperCase(Locale.ROOT));
        assertThat(verp.decode(shouted)).isInstanceOfSatisfying(VerpDecoded.Recipient.class,
                r -> assertThat(r.recipient().toString()).isEqualToIgnoringCase("alice@example.org"));
    }

    @Test
    void aForgedTagIsRefused() {
        Mailbox rp = tagged(verp, ALICE);
        String local = rp.localPart();
        int at = "bounce+123".length();
        char flipped = local.charAt(at) == 'a' ? 'b' : 'a';
        Mailbox forged = new Mailbox(local.substring(0, at) + flipped + local.substring(at + 1), rp.domain());
        assertThat(verp.decode(forged)).isInstanceOf(VerpDecoded.Forged.class);
    }

    @Test
    void aTagMovedToAnotherRecipientOrAnotherDomainIsRefused() {
        Mailbox rp = tagged(verp, ALICE);
        Mailbox other = new Mailbox(rp.localPart().replace("alice=", "bob="), rp.domain());
        assertThat(verp.decode(other)).isInstanceOf(VerpDecoded.Forged.class);
        assertThat(verp.decode(new Mailbox(rp.localPart(), "bounces.other.test"))).isInstanceOf(VerpDecoded.Forged.class);
    }

    @Test
    void aTagMadeWithAnotherSecretIsRefused() {
        Mailbox rp = tagged(new Verp(VerpSecrets.of("not ours"), clock), ALICE);
        assertThat(verp.decode(rp)).isInstanceOf(VerpDecoded.Forged.class);
    }

    @Test
    void afterARotationTheNewSecretSignsAndTheOldOneStillVerifies() {
        Verp rotated = new Verp(VerpSecrets.of("new", "s3cret"), clock);
        Mailbox old = tagged(verp, ALICE);
        Mailbox fresh = tagged(rotated, ALICE);
        assertThat(fresh).isNotEqualTo(old);
        assertThat(rotated.decode(old)).isEqualTo(new VerpDecoded.Recipient(ALICE, 0));
        assertThat(rotated.decode(fresh)).isEqualTo(new VerpDecoded.Recipient(ALICE, 0));
        assertThat(verp.decode(fresh)).as("the old secret alone does not know the new one").isInstanceOf(VerpDecoded.Forged.class);
    }

    @Test
    void aTagOlderThanTheMaximumAgeIsRefused() { // 14 days by default, counted in days
        Mailbox rp = tagged(verp, ALICE); // at 23:59
        clock.advance(Duration.ofDays(14));
        assertThat(verp.decode(rp)).isEqualTo(new VerpDecoded.Recipient(ALICE, 14));
        clock.advance(Duration.ofMinutes(1));
        assertThat(verp.decode(rp)).isEqualTo(new VerpDecoded.Expired(15, 14));
        Verp patient = new Verp(VerpSecrets.of("s3cret"), Verp.DEFAULT_PREFIX, clock, Duration.ofDays(30));
        assertThat(patient.decode(rp)).isEqualTo(new VerpDecoded.Recipient(ALICE, 15));
    }

    @Test
    void aTagFromTheFutureIsOld() {
        clock.advance(Duration.ofDays(1));
        Mailbox rp = tagged(verp, ALICE);
        clock.advance(Duration.ofDays(-1));
        assertThat(verp.decode(rp)).isEqualTo(new VerpDecoded.Expired(999, 14));
    }

    @Test
    void otherAddressesAreNotVerpAndBrokenOnesAreMalformed() {
        assertThat(verp.decode(mailbox("postmaster@bounces.example.com"))).isInstanceOf(VerpDecoded.NotVerp.class);
        assertThat(verp.decode(mailbox("bouncer@bounces.example.com"))).isInstanceOf(VerpDecoded.NotVerp.class);
        for (String broken : new String[] {"bounce+123abcdefgh@b.test", "bounce+12abcdefgh+a=example.org@b.test",
                "bounce+123abcdefg1+a=example.org@b.test", "bounce+123abcdefgh+alice@b.test", "bounce+123abcdefgh+=example.org@b.test",
                "bounce+123abcdefgh+a=not_a_domain@b.test"})
            assertThat(verp.decode(mailbox(broken))).as(broken).isInstanceOf(VerpDecoded.Malformed.class);
    }

    @Test
    void aRecipientTooLongForTheTagGoesWithoutVerp() { // RFC 5321 §4.5.3.1.1: 64 octets
        Mailbox longest = mailbox("a".repeat(64) + "@example.org");
        assertThat(verp.encode(longest, BOUNCES)).isEqualTo(new VerpEncoded.TooLong(longest, "bounce+123abcdefgh+".length() + 64 + 12));
        Mailbox fits = mailbox("a".repeat(64 - "bounce+123abcdefgh+=example.org".length()) + "@example.org");
        assertThat(verp.encode(fits, BOUNCES)).isInstanceOf(VerpEncoded.Tagged.class);
        Mailbox oneMore = mailbox("a" + fits.localPart() + "@example.org");
        assertThat(verp.encode(oneMore, BOUNCES)).isInstanceOf(VerpEncoded.TooLong.class);
    }

    @Test
    void settingsAreChecked() {
        var secrets = VerpSecrets.of("x");
        assertThatThrownBy(() -> new Verp(secrets, "bounce+", clock, Duration.ofDays(14))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Verp(secrets, "b", clock, Duration.ofHours(36))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Verp(secrets, "b", clock, Duration.ofDays(1000))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> VerpSecrets.of("")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theSecretsFileIsMadePrivateWhenMissingAndReadAsSrsReadsItsOwn() throws Exception {
        Path file = dir.resolve("data").resolve("verp.secrets");
        VerpSecrets made = VerpSecrets.readOrCreate(file);
        assertThat(made.size()).isEqualTo(1);
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
        Mailbox rp = tagged(new Verp(made, clock), ALICE);
        assertThat(new Verp(VerpSecrets.readOrCreate(file), clock).decode(rp)).as("read again, not made again")
                .isEqualTo(new VerpDecoded.Recipient(ALICE, 0));
        Files.writeString(file, "new one\r\n\n" + Files.readString(file));
        VerpSecrets rotated = VerpSecrets.read(file);
        assertThat(rotated.size()).isEqualTo(2);
        assertThat(new Verp(rotated, clock).decode(rp)).isInstanceOf(VerpDecoded.Recipient.class);
        Files.writeString(file, "\n\n");
        assertThatThrownBy(() -> VerpSecrets.read(file)).hasMessageEndingWith("no VERP secret in the file");
    }
}
