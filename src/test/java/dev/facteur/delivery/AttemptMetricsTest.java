package dev.facteur.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.message.Body;
import dev.facteur.message.ClientInfo;
import dev.facteur.message.Envelope;
import dev.facteur.message.Mailbox;
import dev.facteur.message.Notify;
import dev.facteur.message.QueueId;
import dev.facteur.message.Recipient;
import dev.facteur.message.ReversePath;
import dev.facteur.message.Schedule;
import dev.facteur.metrics.Metrics;
import dev.facteur.routing.MxRouter;
import dev.facteur.routing.Transport;
import dev.facteur.smtp.Reply;
import dev.facteur.testing.FakeDnsResolver;
import dev.facteur.testing.ManualClock;
import dev.facteur.testing.PrometheusText;
import java.io.ByteArrayInputStream;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * One call of the agent is one attempt for the metrics: timed, and named by its recipients'
 * outcomes (any deferral makes it deferred, else any failure bounced); recipients it did not try
 * make no attempt.
 */
class AttemptMetricsTest {

    private final Metrics metrics = Metrics.prometheus(ManualClock.stopped());
    /** Mailboxes here answer by their name: "full" is over quota, "nobody" does not exist. */
    private final DeliveryAgent agent = new DeliveryAgent(new MxRouter(new FakeDnsResolver(), 25, "mx.facteur.test", Set.of(), true),
            new ClientSettings("mx.facteur.test", null, null, null, null, null, null, null),
            new DeliveryAgent.Routes(rcpt -> rcpt.localPart().equals("held") ? new Transport.Hold() : new Transport.Local(),
                    (env, rcpt, content) -> switch (rcpt.localPart()) {
                        case "full" -> new Reply(452, "4.2.2", "Mailbox full");
                        case "nobody" -> new Reply(550, "5.1.1", "No such user");
                        default -> new Reply(250, "2.0.0", "Delivered");
                    }, null, Map.of()),
            2, Clock.systemUTC()).measuredBy(metrics.delivery());

    @AfterEach
    void stop() {
        agent.close();
    }

    private static Envelope to(String... locals) {
        List<Recipient> rcpts = Arrays.stream(locals).map(l -> Recipient.pending(new Mailbox(l, "facteur.test"), Notify.DEFAULT, null)).toList();
        return new Envelope(new QueueId.Generator().next(), Instant.now(), ReversePath.of(new Mailbox("alice", "sender.test")), rcpts, -1,
                Body.SEVEN_BIT, false, null, null, new ClientInfo("127.0.0.1", "client", "ESMTP", ""));
    }

    private void deliver(Envelope env) {
        agent.deliver(env, 10, () -> new ByteArrayInputStream("Subject: x\r\n\r\nx\r\n".getBytes()));
    }

    @Test
    void anAttemptIsNamedByItsRecipientsOutcomesAndARetryIsCounted() {
        deliver(to("alice", "bob"));
        deliver(to("alice", "full", "nobody"));
        deliver(to("alice", "nobody"));
        deliver(to("held"));
        deliver(to("alice").withSchedule(Schedule.NEW.retryAt(Instant.now())));

        var text = PrometheusText.parse(metrics.scrape());
        assertThat(text.value("facteur_delivery_attempts_total", "outcome", "delivered")).isEqualTo(2);
        assertThat(text.value("facteur_delivery_attempts_total", "outcome", "deferred")).as("a deferral outweighs the rest").isEqualTo(1);
        assertThat(text.value("facteur_delivery_attempts_total", "outcome", "bounced")).isEqualTo(1);
        assertThat(text.sum("facteur_delivery_duration_seconds_count")).as("held: not tried, no attempt").isEqualTo(4);
        assertThat(text.value("facteur_delivery_retries_total")).isEqualTo(1);
    }
}
