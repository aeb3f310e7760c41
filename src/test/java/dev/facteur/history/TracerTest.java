package dev.facteur.history;

import static dev.facteur.history.Events.id;
import static dev.facteur.history.Events.received;
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
import dev.facteur.spool.LogSpool;
import dev.facteur.spool.Spool;
import dev.facteur.testing.ManualClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The history and the spool together: a message still queued shows its state now, even one the history has nothing of. */
class TracerTest {

    @TempDir
    Path dir;

    private static final Instant T = Instant.parse("2026-12-01T09:00:00Z");
    private static final Instant NEXT = Instant.parse("2026-12-01T09:05:00Z");
    private LogSpool spool;

    @BeforeEach
    void open() throws Exception {
        spool = LogSpool.open(dir.resolve("spool"));
    }

    @AfterEach
    void close() throws Exception {
        spool.close();
    }

    private void queue(QueueId id, String sender, String rcpt, String content) throws Exception {
        try (Spool.Draft d = spool.draft(id)) {
            d.content().write(content.getBytes(StandardCharsets.US_ASCII));
            d.commit(new Envelope(id, T, ReversePath.of(mailbox(sender)),
                    List.of(new Recipient(mailbox(rcpt), Notify.DEFAULT, null, Recipient.State.PENDING, "451 4.4.1 Connection refused", null)),
                    -1, Body.SEVEN_BIT, false, null, null, new ClientInfo("192.0.2.7", "client.example", "ESMTP", ""),
                    new Schedule(1, NEXT, false, false)));
        }
    }

    private static Mailbox mailbox(String a) {
        int at = a.indexOf('@');
        return new Mailbox(a.substring(0, at), a.substring(at + 1));
    }

    private Tracer tracer() {
        return new Tracer(new HistoryReader(dir.resolve("history")), spool);
    }

    @Test
    void aMessageInTheHistoryAndStillQueuedCarriesItsStateNow() throws Exception {
        QueueId id = id("2026-12-01T09:00:00Z", 1);
        queue(id, "alice@example.com", "bob@example.org", "Message-ID: <q@x>\r\n\r\nhi\r\n");
        try (var history = DeliveryHistory.open(HistorySettings.in(dir.resolve("history")), ManualClock.at(T))) {
            history.record(received(id, T, "<q@x>", "alice@example.com", "bob@example.org"));
        }

        List<MessageTrace> found = tracer().trace(Lookup.parse("<q@x>"), null, 10);

        assertThat(found).singleElement().satisfies(t -> {
            assertThat(t.events()).hasSize(1);
            assertThat(t.queued()).hasValueSatisfying(m -> assertThat(m.envelope().schedule().nextAttempt()).isEqualTo(NEXT));
        });
    }

    @Test
    void aQueuedMessageTheHistoryHasNothingOfIsFoundByItsEnvelope() throws Exception { // history off, or the message older than it
        QueueId id = id("2026-12-01T09:00:00Z", 2);
        queue(id, "alice@example.com", "bob@example.org", "Received: from x\r\n\tby y\r\nMessage-ID: <old@x>\r\n\r\nhi\r\n");

        for (String key : List.of(id.toString(), "bob@example.org", "alice@example.com", "@example.org")) {
            assertThat(tracer().trace(Lookup.parse(key), null, 10)).as(key).singleElement().satisfies(t -> {
                assertThat(t.id()).isEqualTo(id);
                assertThat(t.messageId()).as("read from the stored content").isEqualTo("<old@x>");
                assertThat(t.received()).hasValueSatisfying(r -> {
                    assertThat(r.time()).isEqualTo(T);
                    assertThat(r.clientAddress()).isEqualTo("192.0.2.7");
                    assertThat(r.recipients()).containsExactly("bob@example.org");
                });
                assertThat(t.queued()).isPresent();
            });
        }
        assertThat(tracer().trace(Lookup.parse("carol@example.org"), null, 10)).isEmpty();
        assertThat(tracer().trace(Lookup.parse("bob@example.org"), T.plus(Duration.ofMinutes(1)), 10)).as("arrived before --since").isEmpty();
    }

    @Test
    void withoutTheSpoolTheHistoryAlone() throws Exception {
        QueueId id = id("2026-12-01T09:00:00Z", 3);
        queue(id, "alice@example.com", "bob@example.org", "\r\nhi\r\n");
        assertThat(new Tracer(new HistoryReader(dir.resolve("history")), null).trace(Lookup.parse(id.toString()), null, 10)).isEmpty();
    }
}
