package dev.facteur.delivery;

import static dev.facteur.testing.ScriptedPeer.HANG_UP;
import static dev.facteur.testing.ScriptedPeer.USUAL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.facteur.message.Body;
import dev.facteur.message.ClientInfo;
import dev.facteur.message.Envelope;
import dev.facteur.message.Mailbox;
import dev.facteur.message.Notify;
import dev.facteur.message.QueueId;
import dev.facteur.message.Recipient;
import dev.facteur.message.ReversePath;
import dev.facteur.testing.Loopback;
import dev.facteur.testing.Patience;
import dev.facteur.testing.ScriptedPeer;
import java.io.ByteArrayInputStream;
import java.net.InetSocketAddress;
import java.net.ProtocolException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The client stage by stage (RFC 5321 §4.3.2, docs/delivery.md) against a peer that misbehaves
 * on purpose: a reply once received is the verdict for its recipients however the connection ends
 * afterwards, what was not answered is deferred, and no reply may take longer than its stage's
 * deadline or grow past the size limit.
 */
class SmtpClientStagesTest {

    private static final String HOST = Loopback.host();
    private static final String BODY = "Subject: stages\r\n\r\nthe body\r\n";
    private static final Duration SHORT = Duration.ofMillis(300);
    private static final Duration PATIENT = Patience.EVENT;

    /** Patient everywhere but where a test says otherwise. */
    private static ClientSettings settings(UnaryOperator<ClientSettings> change) {
        return change.apply(new ClientSettings("client.facteur.test", PATIENT, PATIENT, PATIENT, PATIENT, PATIENT, PATIENT, null));
    }

    private static final ClientSettings PATIENTLY = settings(s -> s);

    private static Recipient rcpt(String local) {
        return Recipient.pending(new Mailbox(local, "example.test"), Notify.DEFAULT, null);
    }

    private static OutgoingMessage message(Recipient... rcpts) {
        return message(false, rcpts);
    }

    private static OutgoingMessage message(boolean smtpUtf8, Recipient... rcpts) {
        return message(smtpUtf8, BODY, rcpts);
    }

    /** A message of a megabyte: more than the buffers of a path with little room hold, by far. */
    private static final String BIG = "Subject: big\r\n\r\n" + ("x".repeat(76) + "\r\n").repeat(14_000);

    private static OutgoingMessage message(String body, Recipient... rcpts) {
        return message(false, body, rcpts);
    }

    private static OutgoingMessage message(boolean smtpUtf8, String body, Recipient... rcpts) {
        var env = new Envelope(new QueueId.Generator().next(), Instant.now(), ReversePath.of(new Mailbox("sender", "example.org")),
                List.of(rcpts), -1, Body.SEVEN_BIT, smtpUtf8, null, null, new ClientInfo("127.0.0.1", "c", "ESMTP", ""));
        byte[] bytes = body.getBytes(StandardCharsets.US_ASCII);
        return new OutgoingMessage(env, List.of(rcpts), bytes.length, () -> new ByteArrayInputStream(bytes));
    }

    /** Our end of a path with little room (loopback's buffers grow to megabytes): what we write stays unread, and writing fails at a hang-up. */
    private static SmtpClient crampedClient(ScriptedPeer peer) throws Exception {
        Socket s = new Socket();
        s.setSendBufferSize(SmtpClient.WINDOW);
        s.setReceiveBufferSize(SmtpClient.WINDOW);
        return SmtpClient.connect(s, peer.address(), "peer.test", PATIENTLY, false);
    }

    private static SmtpClient connect(ScriptedPeer peer, ClientSettings settings) throws Exception {
        return SmtpClient.connect(peer.address(), "peer.test", settings);
    }

    // ---- DATA and the final dot

    @Test
    void aPositiveReplyToDataOtherThan354IsNoDeliveryAndTheBodyIsNotSent() throws Exception { // RFC 5321 §4.3.2: DATA → 354
        try (var peer = ScriptedPeer.start(HOST, ScriptedPeer.smtp(c -> c.equals("DATA") ? "250 2.0.0 Ok\r\n" : USUAL));
                SmtpClient c = connect(peer, PATIENTLY)) {
            c.hello();
            Sent sent = c.send(message(rcpt("a")));

            Outcome a = sent.outcomes().getFirst();
            assertThat(a).isInstanceOf(Outcome.Deferred.class);
            assertThat(a.reply().enhanced()).isEqualTo("4.5.0");
            assertThat(a.reply().lines().getFirst()).contains("DATA was answered with 250");
            assertThat(sent.unanswered()).as("another server may take it").containsExactly(0);
            assertThat(c.isOpen()).as("a server out of step is not talked to again").isFalse();
            assertThat(peer.lines()).doesNotContain("Subject: stages", "the body");
        }
    }

    @Test
    void a5xxAfterTheDotIsABounceEvenWhenTheServerThenHangsUp() throws Exception { // RFC 5321 §7.8, Exim's "drop"
        try (var peer = ScriptedPeer.start(HOST, ScriptedPeer.smtp(c -> c.equals(".") ? "554 5.7.1 Rejected by policy\r\n" + HANG_UP : USUAL));
                SmtpClient c = connect(peer, PATIENTLY)) {
            c.hello();
            Sent sent = c.send(message(rcpt("a"), rcpt("b")));

            assertThat(sent.unanswered()).isEmpty();
            assertThat(sent.outcomes()).allSatisfy(o -> {
                assertThat(o).isInstanceOf(Outcome.Failed.class);
                assertThat(DeliveryAgent.diagnostic(o.reply())).isEqualTo("554 5.7.1 Rejected by policy");
            });
        }
    }

    @Test
    void a5xxToMailIsABounceEvenWhenTheServerThenHangsUp() throws Exception { // RFC 5321 §4.3.2 MAIL; the RSET after it fails
        var answers = ScriptedPeer.smtp(c -> {
            if (c.startsWith("EHLO")) return ScriptedPeer.ehlo("8BITMIME"); // no PIPELINING: MAIL alone, then RSET
            return c.startsWith("MAIL") ? "550 5.7.1 Sender blocked\r\n" + HANG_UP : USUAL;
        });
        try (var peer = ScriptedPeer.start(HOST, answers); SmtpClient c = connect(peer, PATIENTLY)) {
            c.hello();
            Sent sent = c.send(message(rcpt("a"), rcpt("b")));

            assertThat(sent.unanswered()).isEmpty();
            assertThat(sent.outcomes()).allSatisfy(o -> assertThat(o.reply().code()).isEqualTo(550));
        }
    }

    @Test
    void recipientRefusalsStandWhenTheConnectionDropsBeforeTheDataIsAnswered() throws Exception { // RFC 5321 §4.3.2 RCPT
        var answers = ScriptedPeer.smtp(c -> {
            if (c.startsWith("RCPT TO:<gone@")) return "550 5.1.1 No such user\r\n";
            if (c.startsWith("RCPT TO:<later@")) return "450 4.2.0 Mailbox busy\r\n";
            return c.equals("DATA") ? HANG_UP : USUAL;
        });
        try (var peer = ScriptedPeer.start(HOST, answers); SmtpClient c = connect(peer, PATIENTLY)) {
            c.hello();
            Sent sent = c.send(message(rcpt("gone"), rcpt("a"), rcpt("later")));

            assertThat(sent.outcomes().get(0)).isInstanceOf(Outcome.Failed.class);
            assertThat(sent.outcomes().get(0).reply().enhanced()).isEqualTo("5.1.1");
            assertThat(sent.outcomes().get(2)).isInstanceOf(Outcome.Deferred.class);
            assertThat(sent.outcomes().get(2).reply().enhanced()).as("the server's own 4xx").isEqualTo("4.2.0");
            assertThat(sent.unanswered()).as("only the accepted recipient had no verdict yet").containsExactly(1);
            assertThat(sent.outcomes().get(1).reply().enhanced()).isEqualTo("4.4.2");
        }
    }

    @Test
    void a250AfterTheDotStaysADeliveryWhenTheConnectionIsGoneAfterIt() throws Exception { // RFC 5321 §4.1.1.5: RSET changes nothing sent
        try (var peer = ScriptedPeer.start(HOST, ScriptedPeer.smtp(c -> c.equals(".") ? "250 2.0.0 Ok: queued\r\n" + HANG_UP : USUAL));
                SmtpClient c = connect(peer, PATIENTLY)) {
            c.hello();
            Sent first = c.send(message(rcpt("a")));
            assertThat(first.outcomes().getFirst()).isInstanceOf(Outcome.Delivered.class);

            // the next message finds the connection gone at its RSET: nothing was said about it, and the first stands
            assertThatThrownBy(() -> c.send(message(rcpt("b")))).isInstanceOf(SmtpClient.StaleConnection.class);
            assertThat(first.outcomes().getFirst()).isInstanceOf(Outcome.Delivered.class);
        }
    }

    @Test
    void aReplyOfTheWrongClassToTheDotIsNoDelivery() throws Exception { // RFC 5321 §4.2.1: only 2xx is success
        try (var peer = ScriptedPeer.start(HOST, ScriptedPeer.smtp(c -> c.equals(".") ? "354 more please\r\n" : USUAL));
                SmtpClient c = connect(peer, PATIENTLY)) {
            c.hello();
            Sent sent = c.send(message(rcpt("a")));

            assertThat(sent.outcomes().getFirst()).isInstanceOf(Outcome.Deferred.class);
            assertThat(sent.unanswered()).containsExactly(0);
        }
    }

    @Test
    void troubleAtQuitChangesNothing() throws Exception { // RFC 5321 §4.1.1.10: the outcome is known before QUIT
        try (var peer = ScriptedPeer.start(HOST, ScriptedPeer.smtp(c -> c.equals("QUIT") ? "this is not a reply\r\n" + HANG_UP : USUAL));
                SmtpClient c = connect(peer, PATIENTLY)) {
            c.hello();
            Sent sent = c.send(message(rcpt("a")));
            c.quit();

            assertThat(sent.outcomes().getFirst()).isInstanceOf(Outcome.Delivered.class);
            assertThat(c.isOpen()).isFalse();
        }
    }

    @Test
    void a5xxSentWhileTheMessageIsStillGoingOutIsTheVerdict() throws Exception { // RFC 5321 §4.3.2 DATA; §3.8
        // the server reads the start of the data, refuses, and hangs up with the rest unread: our writes fail
        ScriptedPeer.Script refuseEarly = s -> {
            s.send("220 peer.test ESMTP\r\n");
            s.serve(c -> {
                if (!c.equals("DATA")) return USUAL;
                s.send("354 go ahead\r\n");
                for (int i = 0; i < 10; i++) s.readLine();
                return "552 5.3.4 Message too big for this system\r\n" + HANG_UP;
            });
        };
        try (var peer = ScriptedPeer.startCramped(HOST, SmtpClient.WINDOW, refuseEarly); SmtpClient c = crampedClient(peer)) {
            c.hello();
            Sent sent = c.send(message(BIG, rcpt("a"), rcpt("b")));

            assertThat(sent.unanswered()).isEmpty();
            assertThat(sent.outcomes()).allSatisfy(o -> {
                assertThat(o).isInstanceOf(Outcome.Failed.class);
                assertThat(DeliveryAgent.diagnostic(o.reply())).isEqualTo("552 5.3.4 Message too big for this system");
            });
            assertThat(c.isOpen()).isFalse();
        }
    }

    @Test
    void a354FollowedByAHangUpLeavesTheRecipientsUnanswered() throws Exception { // RFC 5321 §4.3.2: only the dot's reply delivers
        try (var peer = ScriptedPeer.start(HOST, ScriptedPeer.smtp(c -> c.equals("DATA") ? "354 go ahead\r\n" + HANG_UP : USUAL));
                SmtpClient c = connect(peer, PATIENTLY)) {
            c.hello();
            Sent sent = c.send(message(rcpt("a")));

            assertThat(sent.unanswered()).containsExactly(0);
            assertThat(sent.outcomes().getFirst()).isInstanceOf(Outcome.Deferred.class);
            assertThat(sent.outcomes().getFirst().reply().enhanced()).isEqualTo("4.4.2");
        }
    }

    @Test
    void aHangUpWhileTheMessageIsGoingOutWithoutAReplyLeavesTheRecipientsUnanswered() throws Exception { // RFC 5321 §4.3.2
        ScriptedPeer.Script vanish = s -> {
            s.send("220 peer.test ESMTP\r\n");
            s.serve(c -> {
                if (!c.equals("DATA")) return USUAL;
                s.send("354 go ahead\r\n");
                for (int i = 0; i < 10; i++) s.readLine();
                return HANG_UP;
            });
        };
        try (var peer = ScriptedPeer.startCramped(HOST, SmtpClient.WINDOW, vanish); SmtpClient c = crampedClient(peer)) {
            c.hello();
            Sent sent = c.send(message(BIG, rcpt("a")));

            assertThat(sent.unanswered()).containsExactly(0);
            assertThat(sent.outcomes().getFirst().reply().lines().getFirst()).contains("connection lost while sending the message content");
        }
    }

    // ---- deadlines and sizes

    @Test
    void aGreetingTrickledSlowerThanItsDeadlineIsATimeout() throws Exception { // RFC 5321 §4.5.3.2.1, for the whole reply
        // each byte comes well within the deadline; the whole greeting does not
        ScriptedPeer.Script trickle = s -> s.trickle("220-peer.test\r\n220-still greeting\r\n220 ESMTP\r\n", Duration.ofMillis(50));
        try (var peer = ScriptedPeer.start(HOST, trickle)) {
            assertThatThrownBy(() -> connect(peer, settings(s -> withGreeting(s, SHORT))))
                    .isInstanceOf(SocketTimeoutException.class)
                    .hasMessageContaining("no complete reply to the greeting within 300 ms");
        }
    }

    @Test
    void aReplyToTheDotTrickledSlowerThanItsDeadlineLeavesTheRecipientsUnanswered() throws Exception { // RFC 5321 §4.5.3.2.6
        ScriptedPeer.Script greetThenTrickle = s -> {
            s.send("220 peer.test ESMTP\r\n");
            s.serve(c -> {
                if (!c.equals(".")) return USUAL;
                s.trickle("250 2.0.0 Ok: queued as 42\r\n", Duration.ofMillis(50));
                return "";
            });
        };
        try (var peer = ScriptedPeer.start(HOST, greetThenTrickle); SmtpClient c = connect(peer, settings(s -> withDataEnd(s, SHORT)))) {
            c.hello();
            Sent sent = c.send(message(rcpt("a")));

            assertThat(sent.unanswered()).containsExactly(0);
            assertThat(sent.outcomes().getFirst().reply().lines().getFirst())
                    .contains("no complete reply to the final dot within 300 ms");
        }
    }

    @Test
    void aMultilineReplyWithoutEndIsCutAtTheSizeLimit() throws Exception { // ReplyReader.MAX_REPLY
        String endless = "250-peer.test\r\n" + "250-X-PADDING ".concat("x".repeat(60)).concat("\r\n").repeat(20_000) + "250 SIZE 1000\r\n";
        try (var peer = ScriptedPeer.start(HOST, ScriptedPeer.smtp(c -> c.startsWith("EHLO") ? endless : USUAL));
                SmtpClient c = connect(peer, PATIENTLY)) {
            assertThatThrownBy(c::hello).isInstanceOf(ProtocolException.class)
                    .hasMessageContaining("longer than " + ReplyReader.MAX_REPLY + " bytes").hasMessageContaining("EHLO");
            assertThat(c.isOpen()).isFalse();
        }
    }

    // ---- EHLO and STARTTLS

    @Test
    void a421ToEhloEndsTheSessionWithoutHelo() throws Exception { // RFC 5321 §3.8: 421 means the server is closing
        try (var peer = ScriptedPeer.start(HOST, ScriptedPeer.smtp(c -> c.startsWith("EHLO") ? "421 4.3.2 Shutting down\r\n" : USUAL));
                SmtpClient c = connect(peer, PATIENTLY)) {
            assertThat(c.hello().code()).isEqualTo(421);
            assertThat(peer.lines()).noneMatch(l -> l.startsWith("HELO"));
        }
    }

    @Test
    void aFailedHandshakeAfter220ToStartTlsIsATlsFailure() throws Exception { // RFC 3207 §4.1
        var answers = ScriptedPeer.smtp(c -> {
            if (c.startsWith("EHLO")) return ScriptedPeer.ehlo("PIPELINING", "STARTTLS");
            return c.equals("STARTTLS") ? "220 2.0.0 Ready to start TLS\r\nthis is no TLS record\r\n" + HANG_UP : USUAL;
        });
        try (var peer = ScriptedPeer.start(HOST, answers); SmtpClient c = connect(peer, PATIENTLY)) {
            assertThatThrownBy(() -> c.hello(new TlsPolicy.Opportunistic(OpportunisticTls.context(), true)))
                    .isInstanceOf(SmtpClient.TlsFailure.class).hasMessageStartingWith("TLS handshake failed");
            assertThat(c.isOpen()).isFalse();
        }
    }

    @Test
    void aRefusedStartTlsLeavesThePlainConnectionForThePolicyToJudge() throws Exception { // RFC 3207 §4.1
        var answers = ScriptedPeer.smtp(c -> {
            if (c.startsWith("EHLO")) return ScriptedPeer.ehlo("PIPELINING", "STARTTLS");
            return c.equals("STARTTLS") ? "454 4.7.0 TLS not available due to temporary reason\r\n" : USUAL;
        });
        try (var peer = ScriptedPeer.start(HOST, answers); SmtpClient c = connect(peer, PATIENTLY)) {
            assertThat(c.hello(new TlsPolicy.Opportunistic(OpportunisticTls.context(), true)).code()).isEqualTo(250);
            assertThat(c.tls()).isEmpty();
            assertThat(c.startTlsRefusal().code()).isEqualTo(454);
            assertThat(c.send(message(rcpt("a"))).outcomes().getFirst()).isInstanceOf(Outcome.Delivered.class);
        }
    }

    // ---- ORCPT

    @Test
    void aUtf8OrcptGoesAsItIsInAnSmtpUtf8Transaction() throws Exception { // RFC 6533 §3 utf-8-addr-unitext
        Recipient r = new Recipient(new Mailbox("a", "example.test"), Notify.DEFAULT, "utf-8;élodie@exemple.test", Recipient.State.PENDING);
        var answers = ScriptedPeer.usualEhlo("PIPELINING", "8BITMIME", "SMTPUTF8", "DSN");
        try (var peer = ScriptedPeer.start(HOST, ScriptedPeer.smtp(answers)); SmtpClient c = connect(peer, PATIENTLY)) {
            c.hello();
            assertThat(c.send(message(true, r)).outcomes().getFirst()).isInstanceOf(Outcome.Delivered.class);
            assertThat(peer.lines()).contains("MAIL FROM:<sender@example.org> SMTPUTF8", "RCPT TO:<a@example.test> ORCPT=utf-8;élodie@exemple.test");
        }
    }

    @Test
    void aGarbageGreetingIsAProtocolError() throws Exception {
        try (var peer = ScriptedPeer.start(HOST, s -> {
            s.send("HTTP/1.1 400 Bad Request\r\n\r\n");
            s.readLine(); // keeps the connection open until the client gives up on it
        })) {
            assertThatThrownBy(() -> connect(peer, PATIENTLY)).isInstanceOf(ProtocolException.class);
        }
    }

    private static ClientSettings withGreeting(ClientSettings s, Duration d) {
        return new ClientSettings(s.heloName(), s.connectTimeout(), d, s.commandTimeout(), s.dataInitTimeout(), s.dataBlockTimeout(),
                s.dataEndTimeout(), s.tls());
    }

    private static ClientSettings withDataEnd(ClientSettings s, Duration d) {
        return new ClientSettings(s.heloName(), s.connectTimeout(), s.greetingTimeout(), s.commandTimeout(), s.dataInitTimeout(),
                s.dataBlockTimeout(), d, s.tls());
    }
}
