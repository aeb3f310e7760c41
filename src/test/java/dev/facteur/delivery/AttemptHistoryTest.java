package dev.facteur.delivery;

import static dev.facteur.testing.ScriptedPeer.USUAL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.dns.Mx;
import dev.facteur.history.HistoryEvent;
import dev.facteur.message.Body;
import dev.facteur.message.ClientInfo;
import dev.facteur.message.Envelope;
import dev.facteur.message.Mailbox;
import dev.facteur.message.Notify;
import dev.facteur.message.QueueId;
import dev.facteur.message.Recipient;
import dev.facteur.message.ReversePath;
import dev.facteur.message.Schedule;
import dev.facteur.routing.MxRouter;
import dev.facteur.shaping.SourceAddresses;
import dev.facteur.testing.FakeDnsResolver;
import dev.facteur.testing.Loopback;
import dev.facteur.testing.ManualClock;
import dev.facteur.testing.Patience;
import dev.facteur.testing.ScriptedPeer;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Each attempt goes to the delivery history as it goes to the log: per recipient, which attempt
 * of the message it was, the server as the log names it, the TLS, and the reply that decided it.
 */
class AttemptHistoryTest {

    private static final String MX = Loopback.host();
    private static final Duration PATIENT = Patience.EVENT;
    private static final ClientSettings SETTINGS =
            new ClientSettings("mx.facteur.test", PATIENT, PATIENT, PATIENT, PATIENT, PATIENT, PATIENT, null);
    private final ManualClock clock = ManualClock.at(Instant.parse("2026-12-01T09:00:00Z"));
    private final List<HistoryEvent> history = new CopyOnWriteArrayList<>();

    private DeliveryAgent agent(int port) {
        var dns = new FakeDnsResolver().withMx("example.test", new Mx(10, "mx.example.test")).withAddresses("mx.example.test", MX);
        var router = new MxRouter(dns, port, "mx.facteur.test", Set.of(), true);
        return new DeliveryAgent(router, SETTINGS, DeliveryAgent.Routes.mxOnly(), 2, clock, SenderRewrite.NONE, null,
                SourceAddresses.NONE, history::add);
    }

    private static Envelope secondAttempt(String... rcpts) {
        List<Recipient> rs = java.util.Arrays.stream(rcpts).map(a -> {
            int at = a.indexOf('@');
            return Recipient.pending(new Mailbox(a.substring(0, at), a.substring(at + 1)), Notify.DEFAULT, null);
        }).toList();
        return new Envelope(new QueueId.Generator().next(), Instant.parse("2026-12-01T08:55:00Z"),
                ReversePath.of(new Mailbox("alice", "sender.test")), rs, -1, Body.SEVEN_BIT, false, null, null,
                new ClientInfo("127.0.0.1", "c", "ESMTP", ""), new Schedule(1, null, false, false));
    }

    @Test
    void eachRecipientsOutcomeWithTheServerAndItsReply() throws Exception {
        var answers = ScriptedPeer.smtp(c -> c.startsWith("RCPT TO:<carol@") ? "550 5.1.1 <carol@example.test>: User unknown\r\n" : USUAL);
        byte[] content = "Subject: hi\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);
        Envelope env = secondAttempt("bob@example.test", "carol@example.test");
        try (var peer = ScriptedPeer.start(MX, answers); var agent = agent(peer.port())) {
            agent.deliver(env, content.length, () -> new ByteArrayInputStream(content));

            String relay = "mx.example.test[" + MX + "]:" + peer.port();
            assertThat(history).hasSize(2);
            assertThat(history.get(0)).isInstanceOfSatisfying(HistoryEvent.Attempt.class, a -> {
                assertThat(a.queueId()).isEqualTo(env.id());
                assertThat(a.time()).isEqualTo(clock.instant());
                assertThat(a.recipient()).isEqualTo("bob@example.test");
                assertThat(a.attempt()).as("the envelope has had one attempt before").isEqualTo(2);
                assertThat(a.result()).isEqualTo(HistoryEvent.Result.DELIVERED);
                assertThat(a.relay()).isEqualTo(relay);
                assertThat(a.tls()).startsWith("none (policy ");
                assertThat(a.reply()).startsWith("250 ");
            });
            assertThat(history.get(1)).isInstanceOfSatisfying(HistoryEvent.Attempt.class, a -> {
                assertThat(a.recipient()).isEqualTo("carol@example.test");
                assertThat(a.result()).isEqualTo(HistoryEvent.Result.BOUNCED);
                assertThat(a.relay()).isEqualTo(relay);
                assertThat(a.reply()).isEqualTo("550 5.1.1 <carol@example.test>: User unknown");
            });
        }
    }

    @Test
    void whenNoServerWasReachedTheRelayIsEmpty() throws Exception {
        try (var agent = agent(25)) {
            Envelope env = secondAttempt("bob@nowhere.test"); // NXDOMAIN
            agent.deliver(env, 10, () -> new ByteArrayInputStream(new byte[10]));
            assertThat(history).singleElement().isInstanceOfSatisfying(HistoryEvent.Attempt.class, a -> {
                assertThat(a.relay()).isEmpty();
                assertThat(a.result()).isEqualTo(HistoryEvent.Result.BOUNCED);
                assertThat(a.reply()).startsWith("550 5.1.2");
            });
        }
    }
}
