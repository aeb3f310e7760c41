package dev.facteur.delivery;

import static dev.facteur.testing.ScriptedPeer.USUAL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.message.Body;
import dev.facteur.message.ClientInfo;
import dev.facteur.message.Envelope;
import dev.facteur.message.Mailbox;
import dev.facteur.message.Notify;
import dev.facteur.message.QueueId;
import dev.facteur.message.Recipient;
import dev.facteur.message.ReversePath;
import dev.facteur.smtp.Reply;
import dev.facteur.testing.Loopback;
import dev.facteur.testing.Patience;
import dev.facteur.testing.ScriptedPeer;
import dev.facteur.testing.TestCa;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;

/**
 * RFC 8689 §4.2.1 on one connection: a message sent with REQUIRETLS goes only under TLS, to a
 * server whose EHLO after STARTTLS offers REQUIRETLS, and its MAIL says REQUIRETLS; where that
 * cannot be had the message is not sent there, with the code the RFC names. Which MX to try
 * next, and whether the certificate and the MX host were verified, is the caller's.
 */
class SmtpClientRequireTlsTest {

    private static final String HOST = Loopback.host();
    private static final byte[] BODY = "Subject: sensitive\r\n\r\nthe body\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final SSLContext PEER_TLS = TestCa.selfSigned("peer.test").serverContext();
    private static final Duration PATIENT = Patience.EVENT;
    /** Opportunistic STARTTLS: the peer's self-signed certificate is taken (verifying it is a policy's job, not this class's). */
    private static final ClientSettings WITH_TLS = new ClientSettings("client.facteur.test", PATIENT, PATIENT, PATIENT, PATIENT,
            PATIENT, PATIENT, OpportunisticTls.context());

    private static OutgoingMessage message(ReversePath sender, boolean requireTls) {
        Recipient bob = Recipient.pending(new Mailbox("bob", "example.test"), Notify.DEFAULT, null);
        var env = new Envelope(new QueueId.Generator().next(), Instant.now(), sender, List.of(bob), -1, Body.SEVEN_BIT, false,
                null, null, new ClientInfo("192.0.2.1", "c", "ESMTPS", "TLSv1.3")).withRequireTls(requireTls);
        return new OutgoingMessage(env, List.of(bob), BODY.length, () -> new ByteArrayInputStream(BODY));
    }

    private static final ReversePath ALICE = ReversePath.of(new Mailbox("alice", "example.org"));

    /** A server that offers STARTTLS in clear and, under TLS, {@code keywords}. */
    private static ScriptedPeer.Script startTlsThen(String... keywords) {
        ScriptedPeer.Answers answers = c -> c.equals("STARTTLS") ? "220 2.0.0 Ready to start TLS\r\n" : USUAL;
        return s -> ScriptedPeer.smtp(PEER_TLS, c -> !c.startsWith("EHLO") ? answers.to(c)
                : s.secured() ? ScriptedPeer.ehlo(keywords) : ScriptedPeer.ehlo("PIPELINING", "STARTTLS")).run(s);
    }

    private static Outcome sendOne(ScriptedPeer peer, ClientSettings settings, OutgoingMessage m, boolean expectTls) throws Exception {
        try (SmtpClient c = SmtpClient.connect(peer.address(), "peer.test", settings)) {
            assertThat(c.hello().code()).isEqualTo(250);
            assertThat(c.tls().isEmpty()).as("under TLS").isEqualTo(!expectTls);
            return c.send(m).outcomes().getFirst();
        }
    }

    @Test
    void aTaggedMessageGoesUnderTlsToAServerThatOffersRequireTlsAndSaysRequireTlsOnMail() throws Exception {
        try (var peer = ScriptedPeer.start(HOST, startTlsThen("PIPELINING", "REQUIRETLS"))) {
            assertThat(sendOne(peer, WITH_TLS, message(ALICE, true), true)).isInstanceOf(Outcome.Delivered.class);
            assertThat(peer.lines()).containsSubsequence("STARTTLS", "MAIL FROM:<alice@example.org> REQUIRETLS", "RCPT TO:<bob@example.test>");
        }
    }

    @Test
    void aServerThatDoesNotOfferRequireTlsUnderTlsIsNotSentATaggedMessage() throws Exception { // RFC 8689 §4.2.1 step 5
        try (var peer = ScriptedPeer.start(HOST, startTlsThen("PIPELINING", "8BITMIME"))) {
            Outcome o = sendOne(peer, WITH_TLS, message(ALICE, true), true);
            assertThat(o).isInstanceOf(Outcome.Failed.class);
            assertThat(o.reply().code()).isEqualTo(550);
            assertThat(o.reply().enhanced()).as("REQUIRETLS support required").isEqualTo("5.7.30");
            assertThat(o.reply().lines().getFirst()).contains("REQUIRETLS support required", "peer.test[" + HOST + "]");
            assertThat(peer.lines()).noneMatch(l -> l.startsWith("MAIL") || l.startsWith("RCPT") || l.equals("DATA"));
        }
    }

    @Test
    void aConnectionWithoutTlsIsNotSentATaggedMessageWhateverTheServerOffers() throws Exception { // RFC 8689 §4.2.1 step 4
        // a server that offers REQUIRETLS in clear, against RFC 8689 §2; and one whose STARTTLS we did not try (no context)
        try (var lying = ScriptedPeer.start(HOST, ScriptedPeer.wellBehaved("PIPELINING", "REQUIRETLS"));
                var tlsNotTried = ScriptedPeer.start(HOST, startTlsThen("PIPELINING", "REQUIRETLS"))) {
            ClientSettings noTls = new ClientSettings("client.facteur.test", PATIENT, PATIENT, PATIENT, PATIENT, PATIENT, PATIENT, null);
            for (var peer : List.of(lying, tlsNotTried)) {
                Outcome o = sendOne(peer, noTls, message(ALICE, true), false);
                assertThat(o).isInstanceOf(Outcome.Failed.class);
                assertThat(o.reply().code()).isEqualTo(550);
                assertThat(o.reply().enhanced()).as("Encryption needed").isEqualTo("5.7.10");
                assertThat(peer.lines()).noneMatch(l -> l.startsWith("MAIL"));
            }
        }
    }

    @Test
    void aReportAboutATaggedMessageIsNotDiscardedWhereRequireTlsCannotBeHad() throws Exception { // RFC 8689 §5, §4.2.1
        OutgoingMessage bounce = message(ReversePath.NULL, true);
        try (var plain = ScriptedPeer.start(HOST, ScriptedPeer.wellBehaved("PIPELINING"))) {
            ClientSettings noTls = new ClientSettings("client.facteur.test", PATIENT, PATIENT, PATIENT, PATIENT, PATIENT, PATIENT, null);
            assertThat(sendOne(plain, noTls, bounce, false)).isInstanceOf(Outcome.Delivered.class);
            assertThat(plain.lines()).contains("MAIL FROM:<>");
        }
        try (var offering = ScriptedPeer.start(HOST, startTlsThen("PIPELINING", "REQUIRETLS"))) {
            assertThat(sendOne(offering, WITH_TLS, bounce, true)).isInstanceOf(Outcome.Delivered.class);
            assertThat(offering.lines()).as("and with REQUIRETLS where it can be had").contains("MAIL FROM:<> REQUIRETLS");
        }
    }

    @Test
    void anUntaggedMessageNeverSaysRequireTls() throws Exception {
        try (var peer = ScriptedPeer.start(HOST, startTlsThen("PIPELINING", "REQUIRETLS"))) {
            assertThat(sendOne(peer, WITH_TLS, message(ALICE, false), true)).isInstanceOf(Outcome.Delivered.class);
            assertThat(peer.lines()).contains("MAIL FROM:<alice@example.org>");
        }
    }

    @Test
    void theRefusalIsOursAndTheConnectionStaysGoodForOtherMessages() throws Exception { // RFC 8689 §4.2.1: "MAY send other, unprotected messages"
        try (var peer = ScriptedPeer.start(HOST, startTlsThen("PIPELINING"));
                SmtpClient c = SmtpClient.connect(peer.address(), "peer.test", WITH_TLS)) {
            c.hello();
            Reply refusal = c.cannotTake(message(ALICE, true));
            assertThat(refusal).isNotNull();
            assertThat(refusal.enhanced()).isEqualTo("5.7.30");
            assertThat(c.cannotTake(message(ALICE, false))).isNull();
            assertThat(c.send(message(ALICE, false)).outcomes().getFirst()).isInstanceOf(Outcome.Delivered.class);
        }
    }

    @Test
    void lmtpDeliveryIsFinalDeliveryNotARelayHop() throws Exception { // RFC 8689 §4.4; our LMTP servers get no STARTTLS
        ScriptedPeer.Answers lmtp = c -> c.startsWith("LHLO") ? ScriptedPeer.ehlo("PIPELINING") : USUAL;
        try (var peer = ScriptedPeer.start(HOST, ScriptedPeer.smtp(lmtp));
                SmtpClient c = SmtpClient.connectLmtp(peer.address(), "lmtp.test", WITH_TLS)) {
            assertThat(c.hello().code()).isEqualTo(250);
            assertThat(c.send(message(ALICE, true)).outcomes().getFirst()).isInstanceOf(Outcome.Delivered.class);
            assertThat(peer.lines()).contains("MAIL FROM:<alice@example.org>");
        }
    }
}
