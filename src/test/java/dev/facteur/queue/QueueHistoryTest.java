package dev.facteur.queue;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.dsn.DsnWriter;
import dev.facteur.events.EventSink;
import dev.facteur.history.HistoryEvent;
import dev.facteur.message.Notify;
import dev.facteur.message.QueueId;
import dev.facteur.spool.LogSpool;
import dev.facteur.spool.StoredMessage;
import dev.facteur.testing.ManualClock;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the queue tells the delivery history: the DSNs it queued (with their queue ids) and the
 * removal once durable, the recipients it gave up on, an operator's deletion, and its own mail.
 */
class QueueHistoryTest {

    @TempDir
    Path dir;

    private final ManualClock clock = ManualClock.stopped();
    private final QueueId.Generator ids = new QueueId.Generator();
    private final ScriptedDeliverer deliverer = new ScriptedDeliverer();
    private final List<HistoryEvent> history = new CopyOnWriteArrayList<>();
    private LogSpool spool;
    private QueueManager queue;

    @BeforeEach
    void open() throws IOException {
        spool = LogSpool.open(dir);
        queue = new QueueManager(spool, deliverer, new DsnWriter("mx.facteur.test", ZoneOffset.UTC), OwnMailSigner.NONE, "mx.facteur.test",
                ids, new RetryPolicy(Duration.ofMinutes(5), Duration.ofHours(1), Duration.ofDays(5), Duration.ofHours(4)), clock, 10, 10,
                EventSink.NONE, history::add);
    }

    @AfterEach
    void close() throws IOException {
        queue.close();
        spool.close();
    }

    private QueueId enqueue(String sender, String... rcpts) throws IOException {
        return Messages.enqueue(spool, ids, clock.instant(), sender, Notify.DEFAULT, rcpts);
    }

    private QueueId dsnTo(String sender) {
        return spool.messages().stream().map(StoredMessage::envelope).filter(e -> e.sender().isNull())
                .filter(e -> e.recipients().getFirst().address().toString().equals(sender)).findFirst().orElseThrow().id();
    }

    @Test
    void aFailureDsnIsToldWithItsQueueIdThenTheRemoval() throws IOException {
        deliverer.script.put("a@example.org", ScriptedDeliverer.ok());
        deliverer.script.put("b@example.org", ScriptedDeliverer.refused());
        QueueId id = enqueue("s@example.test", "a@example.org", "b@example.org");

        queue.process(id);

        QueueId dsn = dsnTo("s@example.test");
        assertThat(history).containsExactly(
                new HistoryEvent.Dsn(clock.instant(), id, dsn, "failed", "s@example.test", List.of("b@example.org")),
                new HistoryEvent.Removed(clock.instant(), id, "every recipient done"));
    }

    @Test
    void aDeferralRemovesNothing() throws IOException {
        QueueId id = enqueue("s@example.test", "a@example.org");
        queue.process(id);
        assertThat(history).isEmpty(); // the attempt itself is the delivery agent's to tell
    }

    @Test
    void anExpiredRecipientIsGivenUpOnWithTheReason() throws IOException { // RFC 5321 §4.5.4.1
        QueueId id = enqueue("s@example.test", "a@example.org");
        clock.advance(Duration.ofDays(5));
        queue.process(id);
        assertThat(history.getFirst()).isInstanceOfSatisfying(HistoryEvent.GaveUp.class, g -> {
            assertThat(g.queueId()).isEqualTo(id);
            assertThat(g.recipient()).isEqualTo("a@example.org");
            assertThat(g.reason()).startsWith("451 4.4.7 Message expired after 5 days in the queue; last error: 451 4.3.0 try later");
        });
        assertThat(history).extracting(e -> e.getClass().getSimpleName()).containsExactly("GaveUp", "Dsn", "Removed");
    }

    @Test
    void anOperatorsDeleteAndBounceAreTold() throws IOException {
        QueueId a = enqueue("s@example.test", "a@example.org");
        QueueId b = enqueue("t@example.test", "b@example.org");
        queue.delete(a);
        queue.bounce(b);
        assertThat(history.getFirst()).isEqualTo(new HistoryEvent.Removed(clock.instant(), a, "deleted by the administrator"));
        assertThat(history.get(1)).isEqualTo(new HistoryEvent.GaveUp(clock.instant(), b, "b@example.org",
                "550 5.0.0 Message returned to sender by the mail administrator"));
        assertThat(history.subList(2, history.size())).extracting(e -> e.getClass().getSimpleName()).containsExactly("Dsn", "Removed");
    }

    @Test
    void mailOfOurOwnArrivesWithItsMessageId() throws IOException {
        QueueId id = queue.submit(Messages.mailbox("dmarc@facteur.test"), Messages.mailbox("reports@example.org"),
                "From: dmarc@facteur.test\r\nMessage-ID: <report-1@facteur.test>\r\n\r\nreport\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(history).singleElement().isInstanceOfSatisfying(HistoryEvent.Received.class, r -> {
            assertThat(r.queueId()).isEqualTo(id);
            assertThat(r.messageId()).isEqualTo("<report-1@facteur.test>");
            assertThat(r.sender()).isEqualTo("dmarc@facteur.test");
            assertThat(r.recipients()).containsExactly("reports@example.org");
            assertThat(r.protocol()).isEqualTo("local");
            assertThat(r.size()).isEqualTo(spool.find(id).orElseThrow().size());
        });
    }
}
