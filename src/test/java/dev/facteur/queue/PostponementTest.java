package dev.facteur.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.facteur.delivery.Attempt;
import dev.facteur.delivery.OutgoingMessage;
import dev.facteur.delivery.Outcome;
import dev.facteur.dsn.DsnWriter;
import dev.facteur.message.Envelope;
import dev.facteur.message.Mailbox;
import dev.facteur.message.Notify;
import dev.facteur.message.QueueId;
import dev.facteur.smtp.Reply;
import dev.facteur.spool.LogSpool;
import dev.facteur.spool.Spool;
import dev.facteur.testing.ManualClock;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Deliveries that traffic shaping holds back ({@link Outcome.Postponed}): the message waits for
 * its destination again without the attempt counting, the destination pauses until the time
 * given, and the other destinations go on meanwhile.
 */
class PostponementTest {

    @TempDir
    Path dir;

    private final ManualClock clock = ManualClock.stopped();
    private final QueueId.Generator ids = new QueueId.Generator();
    private final RetryPolicy policy = new RetryPolicy(Duration.ofMinutes(5), Duration.ofHours(1), Duration.ofDays(5), Duration.ofHours(4));
    /** Per address: how many more deliveries are postponed, and until when (relative to the clock). */
    private final Map<String, AtomicInteger> postponements = new ConcurrentHashMap<>();
    private final Map<String, Outcome> after = new ConcurrentHashMap<>();
    private volatile Duration pause = Duration.ZERO;
    private final List<String> tried = new CopyOnWriteArrayList<>();
    private Spool spool;
    private QueueManager queue;

    private final QueueManager.Deliverer deliverer = new QueueManager.Deliverer() {
        @Override
        public String destination(Mailbox recipient) {
            return recipient.domainKey();
        }

        @Override
        public List<Attempt> deliver(Envelope envelope, long size, OutgoingMessage.Content content, List<Integer> recipients) {
            return recipients.stream().map(i -> {
                String address = envelope.recipients().get(i).address().toString();
                AtomicInteger left = postponements.get(address);
                if (left != null && left.getAndDecrement() > 0) {
                    tried.add(address + " postponed");
                    return new Attempt(i, new Outcome.Postponed(new Reply(451, "4.4.5", "Held back by traffic shaping"),
                            clock.instant().plus(pause)), null, false);
                }
                tried.add(address);
                return new Attempt(i, after.getOrDefault(address, new Outcome.Delivered(new Reply(250, "2.0.0", "ok"))), "mx.example", true);
            }).toList();
        }
    };

    @BeforeEach
    void open() throws IOException {
        spool = LogSpool.open(dir);
        queue = new QueueManager(spool, deliverer, new DsnWriter("mx.facteur.test", ZoneOffset.UTC), "mx.facteur.test", ids, policy,
                clock, 10, 10);
    }

    @AfterEach
    void close() throws IOException {
        queue.close();
        spool.close();
    }

    private QueueId enqueue(String... rcpts) throws IOException {
        return Messages.enqueue(spool, ids, clock.instant(), "s@example.test", Notify.DEFAULT, rcpts);
    }

    @Test
    void aPostponedDeliveryIsNoAttemptAndComesBackWhenTheDestinationMayHaveIt() throws IOException {
        postponements.put("a@slow.example", new AtomicInteger(3));
        after.put("a@slow.example", new Outcome.Deferred(new Reply(451, "4.3.0", "try later")));
        QueueId id = enqueue("a@slow.example");
        queue.start();
        queue.submitted(id);
        await().until(() -> tried.contains("a@slow.example"));
        await().until(() -> spool.find(id).orElseThrow().envelope().schedule().attempts() == 1);
        assertThat(tried).containsExactly("a@slow.example postponed", "a@slow.example postponed", "a@slow.example postponed",
                "a@slow.example");
        // the one real attempt set the back-off, from its own time
        assertThat(spool.find(id).orElseThrow().envelope().schedule().nextAttempt()).isEqualTo(clock.instant().plus(Duration.ofMinutes(5)));
    }

    @Test
    void aPausedDestinationHoldsNothingBackForTheOthers() throws IOException {
        postponements.put("a@slow.example", new AtomicInteger(Integer.MAX_VALUE));
        pause = Duration.ofHours(1);
        QueueId slow = enqueue("a@slow.example");
        queue.start();
        queue.submitted(slow);
        await().until(() -> tried.contains("a@slow.example postponed"));
        QueueId fast = enqueue("b@fast.example");
        queue.submitted(fast);
        await().until(() -> spool.find(fast).isEmpty());
        // paused for the hour: tried once, and still waiting, untouched, with no attempt counted
        assertThat(tried).containsExactly("a@slow.example postponed", "b@fast.example");
        assertThat(spool.find(slow).orElseThrow().envelope().schedule().attempts()).isZero();
    }

    @Test
    void theRecipientsTriedBeforeAPostponementAreRecordedAndNotTriedAgain() throws IOException {
        postponements.put("b@slow.example", new AtomicInteger(1));
        QueueId id = enqueue("a@slow.example", "b@slow.example");
        queue.start();
        queue.submitted(id);
        await().until(() -> spool.find(id).isEmpty());
        assertThat(tried).containsExactly("a@slow.example", "b@slow.example postponed", "b@slow.example");
    }

    @Test
    void aMessagePastItsLifetimeExpiresRatherThanWaitForever() throws IOException {
        postponements.put("a@slow.example", new AtomicInteger(Integer.MAX_VALUE));
        QueueId id = enqueue("a@slow.example");
        clock.set(Instant.now().plus(Duration.ofDays(6)));
        queue.start();
        queue.submitted(id);
        await().until(() -> spool.messages().isEmpty());
        // postponed once, then expired at once: the sender's DSN is what went out next
        assertThat(tried).containsExactly("a@slow.example postponed", "s@example.test");
    }
}
