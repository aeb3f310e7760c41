package dev.facteur.queue;

import static dev.facteur.queue.ScriptedDeliverer.ok;
import static dev.facteur.queue.ScriptedDeliverer.refused;
import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.dsn.DsnWriter;
import dev.facteur.message.Notify;
import dev.facteur.message.QueueId;
import dev.facteur.message.Recipient;
import dev.facteur.spool.LogSpool;
import dev.facteur.spool.StoredMessage;
import dev.facteur.testing.ManualClock;
import dev.facteur.testing.Patience;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * When the spool cannot record an outcome (a full disk), the outcome stays in memory and counts:
 * what was delivered is not delivered again, a DSN owed is sent once, and delivery waits until
 * the spool records again.
 */
class UnrecordedOutcomeTest {

    @TempDir
    Path dir;

    private final ManualClock clock = ManualClock.stopped();
    private final QueueId.Generator ids = new QueueId.Generator();
    private final ScriptedDeliverer deliverer = new ScriptedDeliverer();
    private final RetryPolicy policy = new RetryPolicy(Duration.ofMinutes(5), Duration.ofHours(1), Duration.ofDays(5), Duration.ofHours(4));
    private FaultySpool spool;
    private QueueManager queue;

    @BeforeEach
    void open() throws IOException {
        spool = new FaultySpool(LogSpool.open(dir));
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

    private List<StoredMessage> dsns() {
        return spool.messages().stream().filter(m -> m.envelope().sender().isNull()).toList();
    }

    @Test
    void aDeliveryTheSpoolCouldNotRecordIsNeverMadeAgain() throws IOException {
        deliverer.script.put("a@example.org", ok());
        QueueId id = enqueue("a@example.org", "b@example.org");
        spool.full(true);
        queue.process(id);
        assertThat(spool.find(id).orElseThrow().envelope().recipients()).as("nothing recorded")
                .allMatch(Recipient::isPending);

        clock.advance(Duration.ofHours(2)); // long past the retry time the attempt would have set
        queue.process(id);
        assertThat(queue.flush(id).ok()).as("an operator cannot push it either").isFalse();
        queue.process(id);
        assertThat(deliverer.attempted).containsExactly("a@example.org", "b@example.org");

        spool.full(false);
        assertThat(queue.retryRecords()).isTrue();
        var recorded = spool.find(id).orElseThrow().envelope();
        assertThat(recorded.recipients()).extracting(Recipient::state)
                .containsExactly(Recipient.State.DELIVERED, Recipient.State.PENDING);
        queue.process(id);
        assertThat(deliverer.attempted).as("only b is left to try").containsExactly("a@example.org", "b@example.org", "b@example.org");
    }

    @Test
    void aFailureWhileTheDiskIsFullIsToldOnceItCanBeRecorded() throws IOException { // RFC 3464: one DSN per failure
        deliverer.script.put("b@example.org", refused());
        QueueId id = enqueue("b@example.org");
        spool.full(true);
        queue.process(id);
        assertThat(queue.retryRecords()).as("still full").isFalse();
        clock.advance(Duration.ofHours(2));
        queue.process(id);
        assertThat(queue.retryRecords()).isFalse();
        assertThat(dsns()).isEmpty();
        assertThat(deliverer.attempted).containsExactly("b@example.org");

        spool.full(false);
        assertThat(queue.retryRecords()).isTrue();
        assertThat(queue.retryRecords()).isTrue();
        assertThat(spool.find(id)).isEmpty();
        assertThat(dsns()).hasSize(1);
    }

    @Test
    void deliveryPausesWhileTheSpoolCannotRecordAndResumesWhenItCan() throws IOException {
        deliverer.script.put("a@example.org", ok());
        deliverer.script.put("b@example.org", ok());
        queue.start();
        QueueId a = enqueue("a@example.org");
        QueueId b = enqueue("b@example.org");
        spool.full(true);
        queue.submitted(a);
        Patience.await("a is tried, and delivery pauses").until(() -> deliverer.attempted.contains("a@example.org") && queue.paused());

        queue.submitted(b); // accepted before the disk filled up
        int refusedBefore = spool.refused;
        clock.advance(Recorder.LAST_RETRY);
        Patience.await("the dispatcher tries the spool again").until(() -> spool.refused > refusedBefore);
        assertThat(deliverer.attempted).as("nothing new while the spool cannot record").containsExactly("a@example.org");

        spool.full(false);
        clock.advance(Recorder.LAST_RETRY);
        Patience.await("a recorded, b delivered").until(() -> spool.find(a).isEmpty() && spool.find(b).isEmpty());
        assertThat(deliverer.attempted).containsExactly("a@example.org", "b@example.org");
    }
}
