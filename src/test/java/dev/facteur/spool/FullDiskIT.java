package dev.facteur.spool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;


import dev.facteur.message.Body;
import dev.facteur.message.ClientInfo;
import dev.facteur.message.Envelope;
import dev.facteur.message.Mailbox;
import dev.facteur.message.Notify;
import dev.facteur.message.QueueId;
import dev.facteur.message.Recipient;
import dev.facteur.message.ReversePath;
import dev.facteur.spool.Spool.Change;
import dev.facteur.testing.Tmpfs;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The spool on a real file system that fills up: an 8 MB tmpfs. RFC 3463 4.3.1 ("mail system
 * full") is what a client must hear, so every way a message goes to disk must end in a
 * {@link SpoolFullException}, leave nothing behind, and work again once there is room.
 */
class FullDiskIT {

    private static final int SMALL = 20_000;   // more than the slack in a segment's last page
    private static final int LARGE = 1_500_000; // over LogSpool.INLINE_LIMIT: spilled to incoming/, then large/

    @TempDir
    Path dir;

    private Tmpfs tmpfs;
    private Path spool;
    private final QueueId.Generator ids = new QueueId.Generator();
    /** Every message whose commit returned, with its content. */
    private final Map<QueueId, byte[]> committed = new LinkedHashMap<>();

    @BeforeEach
    void mount() throws Exception {
        tmpfs = Tmpfs.mount(dir.resolve("tmpfs"), "8m");
        spool = tmpfs.path().resolve("spool");
    }

    @AfterEach
    void unmount() throws Exception {
        if (tmpfs != null) tmpfs.close();
    }

    /** Receives a message as a session does: content in pieces, then commit. */
    private QueueId store(Spool s, int length) throws IOException {
        QueueId id = ids.next();
        byte[] content = SpoolSamples.content(id, length);
        try (Spool.Draft d = s.draft(id)) {
            for (int at = 0; at < content.length; at += 8192) d.content().write(content, at, Math.min(8192, content.length - at));
            d.commit(SpoolSamples.envelope(id));
        }
        committed.put(id, content);
        return id;
    }

    private static byte[] read(Spool s, QueueId id) throws IOException {
        try (InputStream in = s.openContent(id)) {
            return in.readAllBytes();
        }
    }

    /** Names and sizes of the files under a spool directory. */
    private Map<String, Long> files(String sub) throws IOException {
        Map<String, Long> out = new LinkedHashMap<>();
        for (Path p : SegmentFiles.files(spool.resolve(sub))) out.put(p.getFileName().toString(), Files.size(p));
        return out;
    }

    private void assertRecoversExactlyWhatWasCommitted() throws IOException {
        try (var s = LogSpool.open(spool)) {
            assertThat(s.messages()).extracting(m -> m.envelope().id()).containsExactlyElementsOf(committed.keySet());
            for (var e : committed.entrySet()) assertThat(read(s, e.getKey())).as("content of %s", e.getKey()).isEqualTo(e.getValue());
        }
    }

    @Test
    void onAFullDiskEveryWayToStoreFailsWithSpoolFullLeavesNothingAndWorksAgainOnceThereIsRoom() throws Exception {
        try (var s = LogSpool.open(spool)) {
            QueueId original = store(s, SMALL);
            store(s, LARGE);
            store(s, SMALL);
            Path filler = tmpfs.fill();
            Map<String, Long> segments = files("segments");
            Map<String, Long> large = files("large");

            for (int i = 0; i < 3; i++) { // a small message, again and again
                assertThatThrownBy(() -> store(s, SMALL)).isInstanceOf(SpoolFullException.class).hasMessageContaining("disk is full");
            }
            // A large one fails while spilling to incoming/ (the session reads DATA to its end and answers 452 4.3.1).
            assertThatThrownBy(() -> store(s, LARGE)).isInstanceOf(SpoolFullException.class);
            // A DSN and the removal of its message: neither is made.
            QueueId report = ids.next();
            try (Spool.Draft d = s.draft(report)) {
                d.content().write(SpoolSamples.content(report, SMALL));
                assertThatThrownBy(() -> s.commit(List.of(new Change.Add(d, SpoolSamples.envelope(report)), new Change.Remove(original))))
                        .isInstanceOf(SpoolFullException.class);
            }
            assertThat(s.find(original)).isPresent();
            assertThat(s.find(report)).isEmpty();

            assertThat(files("incoming")).isEmpty();
            assertThat(files("large")).isEqualTo(large);
            assertThat(files("segments")).as("no new segment, nothing partial in the last one").isEqualTo(segments);

            Files.delete(filler);
            store(s, SMALL);
            store(s, LARGE);
            assertThat(s.messages()).hasSize(committed.size());
        }
        assertRecoversExactlyWhatWasCommitted();
    }

    @Test
    void whenTheDiskFillsAsASegmentEndsNoEmptySegmentIsLeft() throws Exception {
        try (var s = LogSpool.open(spool, 64 * 1024)) {
            for (int i = 0; i < 3; i++) store(s, SMALL); // segment 1 has no room for a fourth
            Path filler = tmpfs.fill();
            Map<String, Long> segments = files("segments");
            for (int i = 0; i < 3; i++) assertThatThrownBy(() -> store(s, SMALL)).isInstanceOf(SpoolFullException.class);
            assertThat(files("segments")).isEqualTo(segments);
            Files.delete(filler);
            for (int i = 0; i < 4; i++) store(s, SMALL);
        }
        assertRecoversExactlyWhatWasCommitted();
    }

    @Test
    void aSpoolOpenedOnAFullDiskRefusesMailUntilThereIsRoom() throws Exception {
        try (var s = LogSpool.open(spool)) {
            store(s, SMALL);
        }
        Path filler = tmpfs.fill();
        List<QueueId> refused = new ArrayList<>();
        try (var s = LogSpool.open(spool)) {
            for (int size : new int[] {SMALL, LARGE}) {
                assertThatThrownBy(() -> refused.add(store(s, size))).isInstanceOf(SpoolFullException.class);
            }
            assertThat(files("segments")).hasSize(1); // the new run's segment is made with its first record, not before
            Files.delete(filler);
            store(s, SMALL);
        }
        assertThat(refused).isEmpty();
        assertRecoversExactlyWhatWasCommitted();
    }
}
