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
import java.time.Instant;
import java.time.LocalDate;
import java.util.Base64;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tokens of one-click unsubscribe links: every recipient comes back whole with its sender
 * domain, and a token is believed only when one of our secrets signed exactly those bytes.
 */
class UnsubscribeLinksTest {

    private static final String SENDER = "news.example.com";
    private static final Mailbox ALICE = mailbox("alice@example.org");
    private static final String BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    private final ManualClock clock = ManualClock.at(Instant.parse("2026-11-28T23:59:00Z"));
    private final UnsubscribeLinks links = UnsubscribeLinks.of(clock, "s3cret");

    @TempDir
    Path dir;

    private static Mailbox mailbox(String a) {
        return AddressSyntax.tryParseMailbox(a, true).orElseThrow(() -> new IllegalArgumentException(a));
    }

    private UnsubscribeToken.Genuine genuine(Mailbox recipient, String senderDomain) {
        return new UnsubscribeToken.Genuine(recipient, senderDomain, LocalDate.of(2026, 11, 28));
    }

    @Test
    void aTokenIsBase64urlWithoutPaddingAndNamesTheRecipientTheSenderDomainAndTheDay() {
        String token = links.token(ALICE, "News.Example.COM");
        assertThat(token).matches("[A-Za-z0-9_-]+"); // RFC 4648 §5, no '=': a path segment as it is
        assertThat(links.read(token)).isEqualTo(genuine(ALICE, SENDER));
    }

    @Test
    void quotedLocalPartsUtf8AndAddressLiteralsComeBackWhole() {
        for (String a : new String[] {"\"john doe\"@example.org", "\"a@b\\\"c\"@example.org", "jöran+tag@exämple.org", "用户@例子.广告",
                "x@[192.0.2.1]", "Alice.Smith@Example.ORG", "a=b+c/d@example.org"}) {
            Mailbox m = mailbox(a);
            assertThat(links.read(links.token(m, "例子.广告"))).as(a).isEqualTo(genuine(m, "例子.广告"));
        }
    }

    @Test
    void manyAddressesRoundTrip() { // a property over random addresses, the awkward characters favoured
        Random random = new Random(20261128);
        String[] pieces = {"a", "Z", "0", ".", "=", "+", "-", "_", "'", "~", " ", "\"", "\\", "@", "(", ",", "é", "ß", "漢", "🙂"};
        int tried = 0;
        for (int i = 0; i < 3000; i++) {
            StringBuilder local = new StringBuilder();
            int n = 1 + random.nextInt(random.nextBoolean() ? 8 : 60);
            for (int j = 0; j < n; j++) local.append(pieces[random.nextInt(pieces.length)]);
            String domain = random.nextBoolean() ? "example.org" : "sub" + random.nextInt(100) + ".exämple.test";
            Optional<Mailbox> m = Verp.mailbox(local.toString(), domain); // the local part written as it must be, if it can be
            if (m.isEmpty()) continue;
            tried++;
            String token = links.token(m.get(), SENDER);
            assertThat(token).matches("[A-Za-z0-9_-]+").hasSizeLessThanOrEqualTo(UnsubscribeLinks.MAX_TOKEN);
            assertThat(links.read(token)).as(m.get().toString()).isEqualTo(genuine(m.get(), SENDER));
        }
        assertThat(tried).isGreaterThan(1000);
    }

    @Test
    void anyOneCharacterChangedIsAForgery() { // every position, to every other character of the alphabet
        for (String token : new String[] {links.token(ALICE, SENDER), links.token(mailbox("\"j d\"@exämple.org"), "example.com")}) {
            for (int i = 0; i < token.length(); i++) {
                for (char c : BASE64URL.toCharArray()) {
                    if (c == token.charAt(i)) continue;
                    String changed = token.substring(0, i) + c + token.substring(i + 1);
                    assertThat(links.read(changed)).as("%s at %d", c, i).isInstanceOf(UnsubscribeToken.Forged.class);
                }
            }
        }
    }

    @Test
    void aTokenMadeWithAnotherSecretIsForgedUnlessThatSecretIsListed() {
        String theirs = UnsubscribeLinks.of(clock, "not ours").token(ALICE, SENDER);
        assertThat(links.read(theirs)).isInstanceOf(UnsubscribeToken.Forged.class);
        assertThat(UnsubscribeLinks.of(clock, "s3cret", "not ours").read(theirs)).isEqualTo(genuine(ALICE, SENDER));
    }

    @Test
    void afterARotationTheNewSecretSignsAndTheOldOneStillVerifies() {
        UnsubscribeLinks rotated = UnsubscribeLinks.of(clock, "new", "s3cret");
        String old = links.token(ALICE, SENDER), fresh = rotated.token(ALICE, SENDER);
        assertThat(fresh).isNotEqualTo(old);
        assertThat(rotated.read(old)).isEqualTo(genuine(ALICE, SENDER));
        assertThat(rotated.read(fresh)).isEqualTo(genuine(ALICE, SENDER));
        assertThat(links.read(fresh)).as("the old secret alone does not know the new one").isInstanceOf(UnsubscribeToken.Forged.class);
    }

    @Test
    void aTokenNeverExpires() { // a newsletter read years later still lets its reader out
        String token = links.token(ALICE, SENDER);
        clock.advance(Duration.ofDays(3650));
        assertThat(links.read(token)).isEqualTo(genuine(ALICE, SENDER));
    }

    @Test
    void aSignatureMovedOntoAnotherRecipientIsAForgery() {
        byte[] bytes = Base64.getUrlDecoder().decode(links.token(ALICE, SENDER));
        String text = new String(bytes, StandardCharsets.ISO_8859_1).replace("alice@", "alicia@");
        String moved = Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.ISO_8859_1));
        assertThat(links.read(moved)).isInstanceOf(UnsubscribeToken.Forged.class);
    }

    @Test
    void whatIsNoTokenAtAllIsMalformedAndNeverAnException() {
        assertThat(links.read("")).isInstanceOf(UnsubscribeToken.Malformed.class);
        assertThat(links.read("abc")).isInstanceOf(UnsubscribeToken.Malformed.class);
        assertThat(links.read("a+b/c=")).isInstanceOf(UnsubscribeToken.Malformed.class); // base64, not base64url
        assertThat(links.read("A".repeat(UnsubscribeLinks.MAX_TOKEN + 1))).isInstanceOf(UnsubscribeToken.Malformed.class);
        Random random = new Random(8058);
        for (int i = 0; i < 20_000; i++) {
            StringBuilder s = new StringBuilder();
            int n = random.nextInt(80);
            for (int j = 0; j < n; j++)
                s.append(random.nextInt(10) == 0 ? (char) random.nextInt(0x3000) : BASE64URL.charAt(random.nextInt(BASE64URL.length())));
            assertThat(links.read(s.toString())).isNotInstanceOf(UnsubscribeToken.Genuine.class);
        }
    }

    @Test
    void theSecretsFileIsMadeAtFirstStartReadableByItsOwnerOnlyAndKeptAfter() throws Exception {
        Path file = dir.resolve("data/unsubscribe.secret");
        UnsubscribeLinks first = UnsubscribeLinks.readOrCreate(file, clock);
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
        String token = first.token(ALICE, SENDER);
        assertThat(UnsubscribeLinks.readOrCreate(file, clock).read(token)).as("the same secret after a restart").isEqualTo(genuine(ALICE, SENDER));
        Files.writeString(file, "\n\n");
        assertThatThrownBy(() -> UnsubscribeLinks.readOrCreate(file, clock)).hasMessageContaining("no unsubscribe secret");
    }

    @Test
    void aRecipientWithoutADomainOrASenderThatIsNoDomainIsTheCallersMistake() {
        assertThatThrownBy(() -> links.token(Mailbox.postmaster(), SENDER)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> links.token(ALICE, "not a domain")).isInstanceOf(IllegalArgumentException.class);
    }
}
