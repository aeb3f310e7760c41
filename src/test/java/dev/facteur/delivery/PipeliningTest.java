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
import dev.facteur.testing.Loopback;
import dev.facteur.testing.Patience;
import dev.facteur.testing.ScriptedPeer;
import java.io.ByteArrayInputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * RFC 2920 §3.2: a pipelining client must not write more commands than the path can hold
 * before it reads their replies, or a server that answers each command before reading the next
 * deadlocks with it. Facteur writes windows of {@link SmtpClient#WINDOW} bytes, reading the
 * replies due before the next.
 */
class PipeliningTest {

    private static final String HOST = Loopback.host();
    private static final Duration PATIENT = Patience.EVENT;
    private static final ClientSettings PATIENTLY =
            new ClientSettings("client.facteur.test", PATIENT, PATIENT, PATIENT, PATIENT, PATIENT, PATIENT, null);

    /** Socket buffers of a network path with little room, each way: a window fits, a thousand recipients do not. */
    private static final int LITTLE_ROOM = SmtpClient.WINDOW;

    private static List<Recipient> recipients(int n) {
        return IntStream.range(0, n).mapToObj(i -> Recipient.pending(new Mailbox("recipient" + i, "example.test"), Notify.DEFAULT, null)).toList();
    }

    private static OutgoingMessage message(List<Recipient> rcpts) {
        var env = new Envelope(new QueueId.Generator().next(), Instant.now(), ReversePath.of(new Mailbox("sender", "example.org")),
                rcpts, -1, Body.SEVEN_BIT, false, null, null, new ClientInfo("127.0.0.1", "c", "ESMTP", ""));
        byte[] bytes = "Subject: many\r\n\r\nfor all of you\r\n".getBytes(StandardCharsets.US_ASCII);
        return new OutgoingMessage(env, rcpts, bytes.length, () -> new ByteArrayInputStream(bytes));
    }

    /** Our end of a path with little room: loopback's own buffers grow to megabytes, and no batch would ever fill them. */
    private static SmtpClient crampedClient(ScriptedPeer peer) throws Exception {
        Socket s = new Socket();
        s.setSendBufferSize(LITTLE_ROOM);
        s.setReceiveBufferSize(LITTLE_ROOM);
        return SmtpClient.connect(s, peer.address(), "peer.test", PATIENTLY, false);
    }

    @Test
    void aThousandRecipientsReachAServerThatAnswersEachCommandBeforeReadingTheNext() throws Exception { // RFC 2920 §3.2
        // replies as long as some servers' ("250 2.1.5 <address>... Recipient ok"): they fill a buffer faster than the commands
        var verbose = ScriptedPeer.smtp(c -> c.startsWith("RCPT") ? "250 2.1.5 " + c.substring(8) + "... Recipient ok, and welcome\r\n" : USUAL);
        List<Recipient> rcpts = recipients(1000);
        try (var peer = ScriptedPeer.startCramped(HOST, LITTLE_ROOM, verbose); SmtpClient c = crampedClient(peer)) {
            c.hello();
            Sent sent = c.send(message(rcpts));

            assertThat(sent.unanswered()).isEmpty();
            assertThat(sent.outcomes()).hasSize(1000).allSatisfy(o -> assertThat(o).isInstanceOf(Outcome.Delivered.class));
            assertThat(peer.transcript(0).stream().filter(l -> l.startsWith("RCPT TO:"))).hasSize(1000);
            assertThat(peer.transcript(0)).containsSubsequence("RCPT TO:<recipient999@example.test>", "DATA", "for all of you", ".");
        }
    }

    @Test
    void aRefusedSenderEndsTheTransactionAfterTheFirstWindow() throws Exception { // RFC 5321 §4.3.2: MAIL 5xx
        var refusing = ScriptedPeer.smtp(c -> c.startsWith("MAIL") ? "550 5.7.1 Sender blocked\r\n" : USUAL);
        try (var peer = ScriptedPeer.start(HOST, refusing); SmtpClient c = SmtpClient.connect(peer.address(), "peer.test", PATIENTLY)) {
            c.hello();
            Sent sent = c.send(message(recipients(1000)));

            assertThat(sent.outcomes()).allSatisfy(o -> assertThat(DeliveryAgent.diagnostic(o.reply())).isEqualTo("550 5.7.1 Sender blocked"));
            long rcpts = peer.transcript(0).stream().filter(l -> l.startsWith("RCPT TO:")).count();
            assertThat(rcpts).as("only the first window's").isPositive().isLessThan(SmtpClient.WINDOW / "RCPT TO:<recipient0@example.test>\r\n".length() + 1);
            assertThat(peer.transcript(0)).doesNotContain("DATA").endsWith("RSET");
            assertThat(c.isOpen()).isTrue();
        }
    }
}
