package dev.facteur.spool;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.message.Envelope;
import dev.facteur.message.Mailbox;
import dev.facteur.message.Notify;
import dev.facteur.message.QueueId;
import dev.facteur.message.Recipient;
import dev.facteur.message.Schedule;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recovery reads segments on several threads and applies their records in log order: a message's
 * MESSAGE, UPDATE and REMOVE records in different segments, read at once, still end as the log
 * says. Checked against a model of the queue kept while writing, over many small segments.
 */
class ReplayAcrossSegmentsTest {

    @TempDir
    Path dir;

    @Test
    void theIndexAfterReplayIsTheLastWordOfTheLogForEveryMessage() throws Exception {
        Map<QueueId, Envelope> model = new TreeMap<>();
        Map<QueueId, Integer> sizes = new TreeMap<>();
        var ids = new QueueId.Generator();
        List<QueueId> written = new ArrayList<>();
        try (var spool = LogSpool.open(dir, 4096)) {
            for (int k = 0; k < 250; k++) {
                QueueId id = ids.next();
                byte[] content = SpoolSamples.content(id, 100 + k % 700);
                try (Spool.Draft d = spool.draft(id)) {
                    d.content().write(content);
                    d.commit(SpoolSamples.envelope(id));
                }
                model.put(id, SpoolSamples.envelope(id));
                sizes.put(id, content.length);
                written.add(id);
                // earlier messages change now, so their records lie segments apart
                if (k >= 30 && k % 3 == 0) {
                    QueueId older = written.get(k - 30);
                    if (model.containsKey(older)) {
                        Envelope e = deferred(model.get(older), k);
                        spool.update(e);
                        model.put(older, e);
                    }
                }
                if (k >= 60 && k % 7 == 0) {
                    QueueId older = written.get(k - 60);
                    spool.remove(older);
                    model.remove(older);
                }
                if (k >= 90 && k % 11 == 0) { // a COMMIT: an update and a removal at once
                    QueueId a = written.get(k - 90), b = written.get(k - 89);
                    List<Spool.Change> changes = new ArrayList<>();
                    if (model.containsKey(a)) {
                        Envelope e = model.get(a).withSchedule(model.get(a).schedule().withHeld(true));
                        changes.add(new Spool.Change.Update(e));
                        model.put(a, e);
                    }
                    changes.add(new Spool.Change.Remove(b));
                    model.remove(b);
                    spool.commit(changes);
                }
            }
        }
        try (Stream<Path> s = Files.list(dir.resolve("segments"))) {
            assertThat(s.count()).as("segments").isGreaterThan(20);
        }

        try (var spool = LogSpool.openReadOnly(dir)) {
            List<StoredMessage> listed = spool.messages();
            assertThat(listed.stream().map(m -> m.envelope().id()).toList()).containsExactlyElementsOf(model.keySet());
            assertThat(listed.stream().map(StoredMessage::envelope).toList()).containsExactlyElementsOf(model.values());
            for (StoredMessage m : listed) {
                QueueId id = m.envelope().id();
                assertThat(m.size()).isEqualTo((long) sizes.get(id));
                try (InputStream in = spool.openContent(id)) {
                    assertThat(in.readAllBytes()).as("content of %s", id).isEqualTo(SpoolSamples.content(id, 100 + written.indexOf(id) % 700));
                }
            }
        }
    }

    private static Envelope deferred(Envelope e, int k) {
        List<Recipient> rs = new ArrayList<>(e.recipients().stream()
                .map(r -> r.after(Recipient.State.PENDING, "451 4.7.1 try again (" + k + ")", "mx.example.test")).toList());
        rs.add(Recipient.pending(new Mailbox("added" + k, "example.net"), Notify.DEFAULT, null));
        return e.withRecipients(rs).withSchedule(new Schedule(e.schedule().attempts() + 1, Instant.ofEpochSecond(1_800_000_000L + k), false, false));
    }
}
