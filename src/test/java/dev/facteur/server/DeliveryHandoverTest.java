package dev.facteur.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.delivery.Attempt;
import dev.facteur.delivery.OutgoingMessage;
import dev.facteur.message.Envelope;
import dev.facteur.message.Mailbox;
import dev.facteur.queue.QueueManager;
import dev.facteur.testing.Patience;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A reload as the queue sees it: the next attempts go to the new agent, and the old one closes after its last. */
class DeliveryHandoverTest {

    /** An agent that names itself as every destination and holds each attempt until let go. */
    private static final class Agent implements QueueManager.Deliverer {
        final String name;
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch letGo = new CountDownLatch(1);
        final AtomicInteger attempts = new AtomicInteger();
        final AtomicInteger closed = new AtomicInteger();

        Agent(String name) {
            this.name = name;
        }

        @Override
        public String destination(Mailbox recipient) {
            return name;
        }

        @Override
        public List<Attempt> deliver(Envelope envelope, long size, OutgoingMessage.Content content, List<Integer> recipients) {
            attempts.incrementAndGet();
            started.countDown();
            try {
                if (!letGo.await(Patience.EVENT.toMillis(), TimeUnit.MILLISECONDS)) throw new AssertionError("never let go");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return List.of();
        }
    }

    /** An attempt on a thread of its own, as the queue makes them. */
    private static CompletableFuture<List<Attempt>> attempt(DeliveryHandover handover) {
        var result = new CompletableFuture<List<Attempt>>();
        Thread.ofVirtual().start(() -> result.complete(handover.deliver(null, 0, null, List.of(0))));
        return result;
    }

    @Test
    void anAttemptUnderWayFinishesWithTheOldAgentWhichClosesAfterIt() throws Exception {
        var old = new Agent("old");
        var fresh = new Agent("new");
        var handover = new DeliveryHandover(old, old.closed::incrementAndGet);
        var underWay = attempt(handover);
        old.started.await(Patience.EVENT.toMillis(), TimeUnit.MILLISECONDS);

        handover.handOver(fresh, fresh.closed::incrementAndGet);

        assertThat(old.closed).as("busy with an attempt: not closed yet").hasValue(0);
        assertThat(handover.destination(null)).isEqualTo("new");
        fresh.letGo.countDown();
        attempt(handover).get(Patience.EVENT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(fresh.attempts).hasValue(1);
        old.letGo.countDown();
        underWay.get(Patience.EVENT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(old.closed).as("closed after its last attempt, once").hasValue(1);
        assertThat(old.attempts).hasValue(1);
        assertThat(fresh.closed).hasValue(0);
    }

    @Test
    void anIdleAgentClosesAtOnceWhenReplaced() {
        var old = new Agent("old");
        var fresh = new Agent("new");
        var handover = new DeliveryHandover(old, old.closed::incrementAndGet);

        handover.handOver(fresh, fresh.closed::incrementAndGet);

        assertThat(old.closed).hasValue(1);
        handover.close();
        assertThat(fresh.closed).hasValue(1);
    }
}
