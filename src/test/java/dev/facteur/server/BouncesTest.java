package dev.facteur.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.bounce.Verp;
import dev.facteur.bounce.VerpEncoded;
import dev.facteur.bounce.VerpSecrets;
import dev.facteur.config.ConfigLoader;
import dev.facteur.delivery.SenderRewrite;
import dev.facteur.message.AddressSyntax;
import dev.facteur.message.Body;
import dev.facteur.message.ClientInfo;
import dev.facteur.message.Envelope;
import dev.facteur.message.Mailbox;
import dev.facteur.message.QueueId;
import dev.facteur.message.ReversePath;
import dev.facteur.net.Cidr;
import dev.facteur.routing.BounceDomain;
import dev.facteur.smtp.Reply;
import dev.facteur.testing.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The bounce domain's addresses, and the return paths our own senders' mail leaves with. */
class BouncesTest {

    private static final String DOMAIN = "bounces.example.com";
    private static final Mailbox BOB = mailbox("bob@example.org");

    private final ManualClock clock = ManualClock.at(Instant.parse("2026-12-01T12:00:00Z"));
    private final Verp verp = new Verp(VerpSecrets.of("secret"), clock);

    private static Mailbox mailbox(String a) {
        return AddressSyntax.tryParseMailbox(a, true).orElseThrow();
    }

    private BounceDomain domain() throws Exception {
        var config = ConfigLoader.parse("[bounces]\ndomain = \"" + DOMAIN + "\"\nreport_addresses = [\"fbl\", \"Abuse-Reports\"]\n", "facteur.toml");
        return Bounces.domain(config, verp);
    }

    private Mailbox tagged(Mailbox recipient) {
        return ((VerpEncoded.Tagged) verp.encode(recipient, DOMAIN)).returnPath();
    }

    @Test
    void ourVerpAddressesAndTheReportAddressesExistAndNothingElse() throws Exception {
        BounceDomain d = domain();
        assertThat(d.domain()).isEqualTo(DOMAIN);
        assertThat(d.refusal(tagged(BOB))).isEmpty();
        assertThat(d.refusal(mailbox("fbl@" + DOMAIN))).isEmpty();
        assertThat(d.refusal(mailbox("abuse-reports@" + DOMAIN))).isEmpty();
        assertThat(d.refusal(mailbox("someone@" + DOMAIN))).hasValueSatisfying(r -> assertThat(r.enhanced()).isEqualTo("5.1.1"));
    }

    @Test
    void aForgedOrStaleVerpAddressIsRefusedSoThatNoBounceToItCanSuppressAnyone() throws Exception {
        BounceDomain d = domain();
        Mailbox good = tagged(BOB);
        Mailbox forged = mailbox(good.localPart().replace("+bob=", "+carol=") + "@" + DOMAIN);
        Mailbox otherSecret = ((VerpEncoded.Tagged) new Verp(VerpSecrets.of("not ours"), clock).encode(BOB, DOMAIN)).returnPath();

        assertThat(d.refusal(forged)).hasValueSatisfying(r -> assertThat(text(r)).contains("not a return path of ours"));
        assertThat(d.refusal(otherSecret)).isPresent();
        clock.advance(Duration.ofDays(15));
        assertThat(d.refusal(good)).hasValueSatisfying(r -> assertThat(text(r)).contains("expired"));
    }

    private static String text(Reply r) {
        return String.join(" ", r.lines());
    }

    private static Envelope envelope(String sender, ClientInfo client) {
        ReversePath from = sender.isEmpty() ? ReversePath.NULL : ReversePath.of(mailbox(sender));
        return new Envelope(new QueueId.Generator().next(), Instant.now(), from, List.of(), -1, Body.SEVEN_BIT, false, null, null, client);
    }

    @Test
    void ourOwnSendersMailGoesWithAVerpReturnPathPerRecipientAndForwardedMailAsTheOtherRewriteSays() {
        SenderRewrite srs = (env, rcpt) -> ReversePath.of(mailbox("SRS0=x=y@forward.example.com"));
        SenderRewrite paths = Bounces.returnPaths(verp, DOMAIN, srs, List.of(Cidr.parse("127.0.0.0/8")), List.of());

        Envelope ours = envelope("app@news.example.com", new ClientInfo("127.0.0.1", "app", "ESMTP", ""));
        Envelope loggedIn = envelope("alice@example.com", new ClientInfo("192.0.2.7", "laptop", "ESMTPSA", ""));
        Envelope forwarded = envelope("stranger@elsewhere.example", new ClientInfo("192.0.2.8", "mx.elsewhere.example", "ESMTP", ""));
        Envelope dsn = envelope("", null);

        assertThat(paths.perRecipient(ours)).isTrue();
        assertThat(paths.perRecipient(loggedIn)).isTrue();
        assertThat(paths.mailFrom(ours, BOB).mailbox()).contains(tagged(BOB));
        assertThat(paths.perRecipient(forwarded)).isFalse();
        assertThat(paths.mailFrom(forwarded, BOB).mailbox().map(Mailbox::localPart)).contains("SRS0=x=y");
        assertThat(paths.perRecipient(dsn)).as("the null sender stays null").isFalse();
    }

    @Test
    void aRecipientTooLongForVerpKeepsTheSender() {
        SenderRewrite paths = Bounces.returnPaths(verp, DOMAIN, SenderRewrite.NONE, List.of(Cidr.parse("127.0.0.0/8")), List.of());
        Envelope ours = envelope("app@news.example.com", new ClientInfo("127.0.0.1", "app", "ESMTP", ""));
        Mailbox longOne = mailbox("a".repeat(60) + "@example.org");

        assertThat(paths.mailFrom(ours, longOne).mailbox()).contains(mailbox("app@news.example.com"));
    }

    @Test
    void onlyTheNamedSenderDomainsGetVerpWhenSomeAreNamed() {
        SenderRewrite paths = Bounces.returnPaths(verp, DOMAIN, SenderRewrite.NONE, List.of(Cidr.parse("127.0.0.0/8")),
                List.of("news.example.com"));
        ClientInfo app = new ClientInfo("127.0.0.1", "app", "ESMTP", "");

        assertThat(paths.perRecipient(envelope("app@news.example.com", app))).isTrue();
        assertThat(paths.perRecipient(envelope("alice@example.com", new ClientInfo("192.0.2.7", "laptop", "ESMTPSA", ""))))
                .as("a person's mail keeps its return path, and its bounces").isFalse();
        assertThat(paths.mailFrom(envelope("alice@example.com", app), BOB).mailbox()).contains(mailbox("alice@example.com"));
    }
}
