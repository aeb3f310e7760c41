package dev.facteur.queue;

import static dev.facteur.queue.ScriptedDeliverer.ok;
import static dev.facteur.queue.ScriptedDeliverer.refused;
import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.dsn.DsnWriter;
import dev.facteur.message.Notify;
import dev.facteur.message.QueueId;
import dev.facteur.message.Recipient;
import dev.facteur.spool.LogSpool;
import dev.facteur.testing.ManualClock;
import dev.facteur.testing.Tmpfs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link UnrecordedOutcomeTest} on a real full disk: a small tmpfs of the test's own, filled to its last page. */
class UnrecordedOutcomeIT {

    @TempDir
    Path dir;

    private final ManualClock clock = ManualClock.stopped();
    private final QueueId.Generator ids = new QueueId.Generator();
    private final ScriptedDeliverer deliverer = new ScriptedDeliverer();
    private final RetryPolicy policy = new RetryPolicy(Duration.ofMinutes(5), Duration.ofHours(1), Duration.ofDays(5), Duration.ofHours(4));

    @Test
    void onARealFullDiskTheDeliveryAndItsDsnAreRecordedOnceThereIsRoomAgain() throws Exception {
        try (Tmpfs tmpfs = Tmpfs.mount(dir.resolve("tmpfs"), "8m"); LogSpool full = LogSpool.open(tmpfs.path().resolve("spool"))) {
            var q = new QueueManager(full, deliverer, new DsnWriter("mx.facteur.test", ZoneOffset.UTC), "mx.facteur.test", ids, policy,
                    clock, 10, 10);
            deliverer.script.put("a@example.org", ok());
            deliverer.script.put("b@example.org", refused());
            List<Recipient> rs = List.of(Recipient.pending(Messages.mailbox("a@example.org"), Notify.DEFAULT, null),
                    Recipient.pending(Messages.mailbox("b@example.org"), Notify.DEFAULT, null));
            // the failure DSN returns the whole message: bigger than what is left of a page
            QueueId id = Messages.enqueue(full, ids.next(), clock.instant(), "s@example.test", rs, "x".repeat(78).concat("\r\n").repeat(300));
            Path filler = tmpfs.fill();

            q.process(id);
            clock.advance(Duration.ofHours(2));
            q.process(id);
            assertThat(deliverer.attempted).containsExactly("a@example.org", "b@example.org");
            assertThat(q.retryRecords()).as("the disk is still full").isFalse();
            assertThat(full.find(id).orElseThrow().envelope().recipients()).allMatch(Recipient::isPending);
            assertThat(full.messages()).hasSize(1);

            Files.delete(filler);
            assertThat(q.retryRecords()).isTrue();
            assertThat(full.find(id)).isEmpty();
            assertThat(full.messages()).singleElement().satisfies(m -> assertThat(m.envelope().sender().isNull()).isTrue());
            q.close();
        }
    }
}
