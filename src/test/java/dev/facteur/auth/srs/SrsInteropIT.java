package dev.facteur.auth.srs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.message.AddressSyntax;
import dev.facteur.message.Mailbox;
import dev.facteur.message.ReversePath;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Facteur and postsrsd (libsrs2) with the same secrets and forwarding domain: each decodes what
 * the other wrote, SRS0 and SRS1, after case changes and a change of signing secret, and they
 * agree on what has expired. postsrsd goes by the system clock, so Facteur does too here.
 */
class SrsInteropIT {

    static final String DOMAIN = "fwd.example.net";

    @TempDir
    static Path dir;
    private static PostSrsd postsrsd;

    /** As postsrsd, after a change of secret: the new one signs, the old one still verifies. */
    final Srs facteur = new Srs(SrsSecrets.of("new-secret", "old-secret"), DOMAIN, Clock.systemUTC());

    @BeforeAll
    static void start() throws IOException {
        postsrsd = PostSrsd.start(dir, DOMAIN, List.of("new-secret", "old-secret"));
    }

    @AfterAll
    static void stop() {
        if (postsrsd != null) postsrsd.close();
    }

    /** A mailbox from Postfix's internal form, which postsrsd speaks: the local part unquoted. */
    static Mailbox fromInternal(String address) throws AddressSyntax.Invalid {
        int at = address.lastIndexOf('@');
        return AddressSyntax.parseMailbox(LocalParts.written(address.substring(0, at)) + "@" + address.substring(at + 1), true);
    }

    /** A mailbox in Postfix's internal form, as postsrsd wants it. */
    static String internal(Mailbox m) {
        return LocalParts.content(m.localPart()) + "@" + m.domain();
    }

    static Mailbox mailbox(String address) throws AddressSyntax.Invalid {
        return AddressSyntax.parseMailbox(address, true);
    }

    Mailbox writtenByPostsrsd(Mailbox sender) throws Exception {
        PostSrsd.Answer a = postsrsd.forward(internal(sender));
        assertThat(a.code()).as(a.text()).isEqualTo(200);
        return fromInternal(a.text());
    }

    static Mailbox writtenBy(Srs srs, Mailbox sender) {
        Forwarded out = srs.forward(ReversePath.of(sender));
        assertThat(out).isInstanceOf(Forwarded.Rewritten.class);
        return ((Forwarded.Rewritten) out).sender().mailbox().orElseThrow();
    }

    @ParameterizedTest
    @ValueSource(strings = {"alice@example.org", "Alice@Example.ORG", "café@example.org", "\"a b\"@example.org",
            "joe.o'neil+tag@[192.0.2.1]", "a=b=c@example.org"})
    void bothWriteTheSameSrs0AndEachDecodesTheOthers(String address) throws Exception {
        Mailbox sender = mailbox(address);
        Mailbox byPostsrsd = writtenByPostsrsd(sender);
        Mailbox byFacteur = writtenBy(facteur, sender);
        assertThat(byFacteur).isEqualTo(byPostsrsd);
        assertThat(facteur.reverse(byPostsrsd)).isEqualTo(new Reversed.Decoded(sender));
        assertThat(postsrsd.reverse(internal(byFacteur))).isEqualTo(new PostSrsd.Answer(200, internal(sender)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"SRS0=abcd=AB=orig.example=user@first.example", "SRS0+abcd=AB=orig.example=user@first.example",
            "SRS1=wxyz=first.example==abcd=AB=orig.example=user@second.example"})
    void bothWriteTheSameSrs1AndEachSendsItsBounceToTheFirstForwarder(String address) throws Exception {
        Mailbox sender = mailbox(address);
        Mailbox byPostsrsd = writtenByPostsrsd(sender);
        Mailbox byFacteur = writtenBy(facteur, sender);
        assertThat(byFacteur).isEqualTo(byPostsrsd);
        PostSrsd.Answer there = postsrsd.reverse(internal(byFacteur));
        assertThat(there.code()).isEqualTo(200);
        assertThat(facteur.reverse(byPostsrsd)).isEqualTo(new Reversed.Decoded(fromInternal(there.text())));
        assertThat(there.text()).endsWith("@first.example").startsWith("SRS0");
    }

    /**
     * Where they differ: postsrsd cuts the internal form at its first {@code @}, so a quoted local
     * part holding one loses its tail into the domain; Facteur has the mailbox already split.
     * Facteur's own address still comes back whole from Facteur, which is the one that gets the bounce.
     */
    @Test
    void aLocalPartHoldingAnAtSignIsCutByPostsrsdButNotByFacteur() throws Exception {
        Mailbox sender = mailbox("\"a\\\"b@c\"@example.org");
        assertThat(writtenByPostsrsd(sender).localPart()).contains("=c@example.org=");
        Mailbox byFacteur = writtenBy(facteur, sender);
        assertThat(byFacteur.localPart()).contains("=example.org=a\\\"b@c");
        assertThat(facteur.reverse(byFacteur)).isEqualTo(new Reversed.Decoded(sender));
    }

    @Test
    void caseChangedOnTheWayIsReadAlikeByBoth() throws Exception {
        Mailbox sender = mailbox("Alice@Example.org");
        Mailbox byPostsrsd = writtenByPostsrsd(sender);
        Mailbox lowered = mailbox(byPostsrsd.toString().toLowerCase());
        assertThat(facteur.reverse(lowered)).isInstanceOfSatisfying(Reversed.Decoded.class,
                d -> assertThat(d.address().toString()).isEqualTo("alice@example.org"));
        Mailbox upper = mailbox(writtenBy(facteur, sender).toString().toUpperCase());
        assertThat(postsrsd.reverse(internal(upper))).isEqualTo(new PostSrsd.Answer(200, "ALICE@EXAMPLE.ORG"));
    }

    @Test
    void anAddressSignedWithTheOldSecretStillDecodesOnBothSides() throws Exception {
        var beforeTheChange = new Srs(SrsSecrets.of("old-secret"), DOMAIN, Clock.systemUTC());
        Mailbox old = writtenBy(beforeTheChange, mailbox("alice@example.org"));
        assertThat(postsrsd.reverse(internal(old))).isEqualTo(new PostSrsd.Answer(200, "alice@example.org"));
        assertThat(facteur.reverse(old)).isEqualTo(new Reversed.Decoded(mailbox("alice@example.org")));
        // and what the new secret signs, the old one alone does not verify
        Mailbox byPostsrsd = writtenByPostsrsd(mailbox("alice@example.org"));
        assertThat(beforeTheChange.reverse(byPostsrsd)).isInstanceOf(Reversed.Forged.class);
    }

    @Test
    void aTamperedAddressIsRefusedByBoth() throws Exception {
        Mailbox genuine = writtenByPostsrsd(mailbox("alice@example.org"));
        Mailbox tampered = new Mailbox(genuine.localPart().replace("=alice", "=mallory"), genuine.domain());
        assertThat(facteur.reverse(tampered)).isInstanceOf(Reversed.Forged.class);
        assertThat(postsrsd.reverse(internal(tampered)).code()).isEqualTo(500);
    }

    @Test
    void bothAgreeOnTheMaximumAgeOf21Days() throws Exception {
        Mailbox sender = mailbox("alice@example.org");
        var threeWeeksAgo = new Srs(SrsSecrets.of("new-secret"), DOMAIN, Clock.offset(Clock.systemUTC(), Duration.ofDays(-21)));
        Mailbox stillGood = writtenBy(threeWeeksAgo, sender);
        assertThat(postsrsd.reverse(internal(stillGood)).code()).isEqualTo(200);
        assertThat(facteur.reverse(stillGood)).isEqualTo(new Reversed.Decoded(sender));

        var aDayMore = new Srs(SrsSecrets.of("new-secret"), DOMAIN, Clock.offset(Clock.systemUTC(), Duration.ofDays(-22)));
        Mailbox old = writtenBy(aDayMore, sender);
        assertThat(postsrsd.reverse(internal(old))).isEqualTo(new PostSrsd.Answer(500, "Time stamp out of date."));
        assertThat(facteur.reverse(old)).isEqualTo(new Reversed.Expired(22, 21));
    }

    @Test
    void neitherTakesAnAddressFromTomorrow() throws Exception {
        var tomorrow = new Srs(SrsSecrets.of("new-secret"), DOMAIN, Clock.offset(Clock.systemUTC(), Duration.ofDays(1)));
        Mailbox early = writtenBy(tomorrow, mailbox("alice@example.org"));
        assertThat(postsrsd.reverse(internal(early)).code()).isEqualTo(500);
        assertThat(facteur.reverse(early)).isEqualTo(new Reversed.Expired(1023, 21));
    }
}
