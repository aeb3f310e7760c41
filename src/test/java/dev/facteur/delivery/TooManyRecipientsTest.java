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
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * RFC 5321 §4.5.3.1.10: a server that has reached its limit of recipients per transaction
 * answers 452 (some old ones 552) to the next RCPT. That is no verdict on the recipients: once
 * the transaction has delivered to the others, they go at once in a new one on the same
 * connection, until all have their own answer.
 */
class TooManyRecipientsTest {

    private static final String HOST = Loopback.host();
    private static final Duration PATIENT = Patience.EVENT;
    private static final ClientSettings PATIENTLY =
            new ClientSettings("client.facteur.test", PATIENT, PATIENT, PATIENT, PATIENT, PATIENT, PATIENT, null);

    /** A server taking {@code limit} recipients a transaction; what it says to the others; optionally the rest of its answers. */
    private static ScriptedPeer.Script limitedTo(int limit, String tooMany, ScriptedPeer.Answers otherwise) {
        var taken = new AtomicInteger();
        return ScriptedPeer.smtp(c -> {
            if (c.startsWith("MAIL")) taken.set(0);
            if (c.startsWith("RCPT") && taken.incrementAndGet() > limit) return tooMany;
            return otherwise.to(c);
        });
    }

    private static ScriptedPeer.Script limitedTo(int limit, String tooMany) {
        return limitedTo(limit, tooMany, c -> USUAL);
    }

    private static OutgoingMessage message(int n) {
        List<Recipient> rcpts = IntStream.range(0, n)
                .mapToObj(i -> Recipient.pending(new Mailbox("r" + i, "example.test"), Notify.DEFAULT, null)).toList();
        var env = new Envelope(new QueueId.Generator().next(), Instant.now(), ReversePath.of(new Mailbox("sender", "example.org")),
                rcpts, -1, Body.SEVEN_BIT, false, null, null, new ClientInfo("127.0.0.1", "c", "ESMTP", ""));
        byte[] bytes = "Subject: limits\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);
        return new OutgoingMessage(env, rcpts, bytes.length, () -> new ByteArrayInputStream(bytes));
    }

    private static Sent send(ScriptedPeer peer, int recipients) throws Exception {
        try (SmtpClient c = SmtpClient.connect(peer.address(), "peer.test", PATIENTLY)) {
            c.hello();
            return c.send(message(recipients));
        }
    }

    private static long count(ScriptedPeer peer, String prefix) {
        return peer.lines().stream().filter(l -> l.startsWith(prefix)).count();
    }

    @Test
    void recipientsPastTheServersLimitGoAtOnceInNewTransactions() throws Exception {
        try (var peer = ScriptedPeer.start(HOST, limitedTo(2, "452 4.5.3 Too many recipients\r\n"))) {
            Sent sent = send(peer, 5);

            assertThat(sent.outcomes()).allSatisfy(o -> assertThat(o).isInstanceOf(Outcome.Delivered.class));
            assertThat(sent.unanswered()).isEmpty();
            assertThat(peer.connections()).as("one attempt, one connection").isEqualTo(1);
            assertThat(count(peer, "MAIL FROM:")).isEqualTo(3);
            assertThat(peer.lines().stream().filter(l -> l.equals("body"))).as("the message once a transaction").hasSize(3);
            assertThat(peer.lines()).containsSubsequence("RCPT TO:<r0@example.test>", "RCPT TO:<r1@example.test>", "body",
                    "RCPT TO:<r2@example.test>", "RCPT TO:<r3@example.test>", "body", "RCPT TO:<r4@example.test>", "body");
        }
    }

    @Test
    void withoutPipeliningNoRecipientIsOfferedPastTheLimit() throws Exception {
        var answers = ScriptedPeer.usualEhlo("8BITMIME");
        try (var peer = ScriptedPeer.start(HOST, limitedTo(2, "452 4.5.3 Too many recipients\r\n", answers))) {
            Sent sent = send(peer, 5);

            assertThat(sent.outcomes()).allSatisfy(o -> assertThat(o).isInstanceOf(Outcome.Delivered.class));
            assertThat(count(peer, "MAIL FROM:")).isEqualTo(3);
            assertThat(count(peer, "RCPT TO:")).as("5 taken, and one refused a transaction but the last").isEqualTo(7);
        }
    }

    @Test
    void a552AtRcptIsReadAs452() throws Exception { // RFC 5321 §4.5.3.1.10: RFC 821's code for the same thing
        try (var peer = ScriptedPeer.start(HOST, limitedTo(2, "552 5.5.3 Too many recipients\r\n"))) {
            Sent sent = send(peer, 5);

            assertThat(sent.outcomes()).allSatisfy(o -> assertThat(o).isInstanceOf(Outcome.Delivered.class));
            assertThat(count(peer, "MAIL FROM:")).isEqualTo(3);
        }
    }

    @Test
    void whenTheMessageIsRefusedTheOthersWaitWithTheServersTemporaryWord() throws Exception {
        // each transaction would be refused alike: no new one, and no bounce for recipients the server never judged
        var refusing = limitedTo(2, "552 5.5.3 Too many recipients\r\n", c -> c.equals(".") ? "554 5.7.1 Spam\r\n" : USUAL);
        try (var peer = ScriptedPeer.start(HOST, refusing)) {
            Sent sent = send(peer, 5);

            assertThat(sent.outcomes().subList(0, 2)).allSatisfy(o -> assertThat(o).isInstanceOf(Outcome.Failed.class));
            assertThat(sent.outcomes().subList(2, 5)).allSatisfy(o -> {
                assertThat(o).isInstanceOf(Outcome.Deferred.class);
                assertThat(DeliveryAgent.diagnostic(o.reply())).isEqualTo("452 4.5.3 Too many recipients");
            });
            assertThat(sent.unanswered()).as("the server's own word").isEmpty();
            assertThat(count(peer, "MAIL FROM:")).isEqualTo(1);
        }
    }

    @Test
    void a452ThatIsNotAboutTheLimitIsTheRecipientsVerdict() throws Exception { // RFC 3463: X.2.2 mailbox full
        var full = ScriptedPeer.smtp(c -> c.startsWith("RCPT TO:<r1@") ? "452 4.2.2 Mailbox full\r\n" : USUAL);
        try (var peer = ScriptedPeer.start(HOST, full)) {
            Sent sent = send(peer, 3);

            assertThat(sent.outcomes().get(1)).isInstanceOf(Outcome.Deferred.class);
            assertThat(sent.outcomes().get(1).reply().enhanced()).isEqualTo("4.2.2");
            assertThat(count(peer, "MAIL FROM:")).isEqualTo(1);
        }
    }

    @Test
    void aServerThatTakesNoRecipientAtAllHasNoLimitToWorkAround() throws Exception {
        // a 452 to the first recipient of a transaction is the server's refusal, or a new transaction would follow forever
        try (var peer = ScriptedPeer.start(HOST, limitedTo(0, "452 4.5.3 Too many recipients\r\n"))) {
            Sent sent = send(peer, 3);

            assertThat(sent.outcomes()).allSatisfy(o -> assertThat(o.reply().code()).isEqualTo(452));
            assertThat(count(peer, "MAIL FROM:")).isEqualTo(1);
            assertThat(peer.lines()).doesNotContain("body");
        }
    }
}
