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
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The order of the spool's writes and syncs, and what a failing one leaves. A kill -9 keeps the
 * page cache, so no crash test can tell a missing fsync: these tests watch the calls themselves,
 * on the real disk (RFC 5321 §6.1: a 250 means the message is ours, whatever happens next).
 */
class SpoolDurabilityTest {

    private static final String SEGMENT_1 = "segments/0000000001.log";

    @TempDir
    Path dir;

    private Path spool;
    private RecordingDisk disk;
    private final QueueId.Generator ids = new QueueId.Generator();

    @BeforeEach
    void setUp() {
        spool = dir.resolve("spool").toAbsolutePath();
        disk = new RecordingDisk(spool);
    }

    private LogSpool open() throws IOException {
        return LogSpool.open(spool, 64L * 1024 * 1024, disk);
    }

    private LogSpool open(long segmentSize) throws IOException {
        return LogSpool.open(spool, segmentSize, disk);
    }

    /** Stores a message and notes in the sequence the moment its commit returned. */
    private QueueId store(Spool s, int length) throws IOException {
        QueueId id = ids.next();
        try (Spool.Draft d = s.draft(id)) {
            d.content().write(SpoolSamples.content(id, length));
            d.commit(SpoolSamples.envelope(id));
        }
        disk.note("returned");
        return id;
    }

    private static byte[] read(Spool s, QueueId id) throws IOException {
        try (InputStream in = s.openContent(id)) {
            return in.readAllBytes();
        }
    }

    /** Consecutive repeats folded into one: a spilled draft is written 64 KB at a time. */
    /** Repeated events once, and drafts' files under their message's id (each has a number of its own: incoming/ID.7). */
    private static List<String> folded(List<String> events) {
        List<String> out = new ArrayList<>();
        for (String e : events) {
            e = e.replaceAll("(incoming/[^ .]+)\\.\\d+", "$1");
            if (out.isEmpty() || !out.getLast().equals(e)) out.add(e);
        }
        return out;
    }

    private List<String> files(String sub) throws IOException {
        return SegmentFiles.files(spool.resolve(sub)).stream().map(p -> p.getFileName().toString()).toList();
    }

    @Test
    void aMessageIsAcknowledgedOnlyAfterItsRecordIsSyncedAndTheNewSegmentsNameBeforeThat() throws IOException {
        try (var s = open()) {
            disk.take();
            store(s, 2000);
            assertThat(disk.take()).containsExactly("fsync-dir segments", "write " + SEGMENT_1, "fdatasync " + SEGMENT_1, "returned");
            store(s, 2000);
            assertThat(disk.take()).containsExactly("write " + SEGMENT_1, "fdatasync " + SEGMENT_1, "returned");
        }
    }

    @Test
    void aLargeMessagesContentIsSyncedAndNamedInLargeBeforeTheRecordThatNamesIt() throws IOException {
        try (var s = open()) {
            disk.take();
            QueueId id = store(s, 3 * LogSpool.INLINE_LIMIT);
            assertThat(folded(disk.take())).containsExactly(
                    "write incoming/" + id,
                    "fdatasync incoming/" + id,             // the content is on disk...
                    "rename incoming/" + id + " large/" + id, // ...before a name in large/ says it is whole
                    "fsync-dir large",                        // that name is on disk before the record names it
                    "fsync-dir segments",
                    "write " + SEGMENT_1,
                    "fdatasync " + SEGMENT_1,
                    "returned");
        }
    }

    @Test
    void severalChangesAreOneRecordAndOneSync() throws IOException {
        try (var s = open()) {
            QueueId original = store(s, 2000);
            disk.take();
            QueueId report = ids.next();
            try (Spool.Draft d = s.draft(report)) {
                d.content().write(SpoolSamples.content(report, 2 * LogSpool.INLINE_LIMIT));
                s.commit(List.of(new Change.Add(d, SpoolSamples.envelope(report)), new Change.Remove(original)));
            }
            disk.note("returned");
            assertThat(folded(disk.take())).containsExactly("write incoming/" + report, "fdatasync incoming/" + report,
                    "rename incoming/" + report + " large/" + report, "fsync-dir large",
                    "write " + SEGMENT_1, "fdatasync " + SEGMENT_1, "returned");
        }
    }

    @Test
    void aFailedFdatasyncAcknowledgesNothingAndTheNextCommitWorks() throws IOException {
        QueueId kept, after;
        try (var s = open()) {
            kept = store(s, 2000);
            long synced = Files.size(spool.resolve(SEGMENT_1));
            disk.fail(e -> e.equals("fdatasync " + SEGMENT_1), "Input/output error");
            QueueId failed = ids.next();
            try (Spool.Draft d = s.draft(failed)) {
                d.content().write(SpoolSamples.content(failed, 2000));
                assertThatThrownBy(() -> d.commit(SpoolSamples.envelope(failed)))
                        .isInstanceOf(IOException.class).isNotInstanceOf(SpoolFullException.class)
                        .hasMessageContaining("Input/output error");
            }
            assertThat(s.find(failed)).isEmpty();
            disk.heal();
            after = store(s, 2000);
            // The failed batch was cut off before the next went in: it is not in the file to be found again.
            assertThat(disk.take()).containsSubsequence("fdatasync " + SEGMENT_1 + " FAILED", "truncate " + SEGMENT_1 + " " + synced,
                    "fdatasync " + SEGMENT_1, "write " + SEGMENT_1, "fdatasync " + SEGMENT_1, "returned");
        }
        try (var s = LogSpool.open(spool)) {
            assertThat(s.messages()).extracting(m -> m.envelope().id()).containsExactly(kept, after);
            assertThat(read(s, after)).isEqualTo(SpoolSamples.content(after, 2000));
        }
    }

    @Test
    void aFullDiskUnderTheSegmentFailsWithSpoolFullAndLeavesNoPartialRecordNorNewFile() throws IOException {
        List<QueueId> stored = new ArrayList<>();
        try (var s = open()) {
            stored.add(store(s, 2000));
            long synced = Files.size(spool.resolve(SEGMENT_1));
            disk.fail(e -> e.startsWith("write segments/"), RecordingDisk.ENOSPC);
            for (int i = 0; i < 5; i++) { // refusal after refusal: no new segment each time
                assertThatThrownBy(() -> store(s, 2000)).isInstanceOf(SpoolFullException.class).hasMessageContaining("disk is full");
            }
            assertThat(files("segments")).containsExactly("0000000001.log");
            assertThat(Files.size(spool.resolve(SEGMENT_1))).isEqualTo(synced);
            assertThat(s.messages()).hasSize(1);
            disk.heal();
            stored.add(store(s, 2000));
        }
        try (var s = LogSpool.open(spool)) {
            assertThat(s.messages()).extracting(m -> m.envelope().id()).containsExactlyElementsOf(stored);
        }
    }

    @Test
    void aFullDiskAtTheFirstWriteOfASegmentLeavesNoEmptySegment() throws IOException {
        List<QueueId> stored = new ArrayList<>();
        try (var s = open(8192)) {
            disk.fail(e -> e.startsWith("write segments/"), RecordingDisk.ENOSPC);
            assertThatThrownBy(() -> store(s, 2000)).isInstanceOf(SpoolFullException.class);
            assertThat(files("segments")).isEmpty();
            disk.heal();
            for (int i = 0; i < 3; i++) stored.add(store(s, 2000)); // segment 1 is full now
            disk.fail(e -> e.startsWith("write segments/"), RecordingDisk.ENOSPC);
            assertThatThrownBy(() -> store(s, 3000)).isInstanceOf(SpoolFullException.class); // would start segment 2
            assertThat(files("segments")).containsExactly("0000000001.log");
            disk.heal();
            stored.add(store(s, 3000));
            assertThat(files("segments")).containsExactly("0000000001.log", "0000000002.log");
        }
        try (var s = LogSpool.open(spool)) {
            assertThat(s.messages()).extracting(m -> m.envelope().id()).containsExactlyElementsOf(stored);
        }
    }

    @Test
    void aFullDiskWhileALargeMessageSpillsFailsWithSpoolFullAndLeavesNothingInIncoming() throws IOException {
        try (var s = open()) {
            disk.fail(e -> e.startsWith("write incoming/"), RecordingDisk.ENOSPC);
            QueueId id = ids.next();
            try (Spool.Draft d = s.draft(id)) {
                assertThatThrownBy(() -> {
                    d.content().write(SpoolSamples.content(id, 3 * LogSpool.INLINE_LIMIT));
                    d.commit(SpoolSamples.envelope(id));
                }).isInstanceOf(SpoolFullException.class);
                assertThat(files("incoming")).isEmpty(); // at once: its room is what others need
                assertThatThrownBy(() -> d.content().write(new byte[10])).isInstanceOf(SpoolFullException.class);
                assertThatThrownBy(() -> d.commit(SpoolSamples.envelope(id))).isInstanceOf(SpoolFullException.class);
            }
            assertThat(files("incoming")).isEmpty();
            assertThat(files("large")).isEmpty();
            assertThat(s.messages()).isEmpty();
            disk.heal();
            QueueId next = store(s, 3 * LogSpool.INLINE_LIMIT);
            assertThat(read(s, next)).isEqualTo(SpoolSamples.content(next, 3 * LogSpool.INLINE_LIMIT));
        }
    }

    @Test
    void aLargeMessageWhoseNameCouldNotBeSyncedIsNotKept() throws IOException {
        try (var s = open()) {
            disk.fail(e -> e.equals("fsync-dir large"), RecordingDisk.ENOSPC);
            assertThatThrownBy(() -> store(s, 3 * LogSpool.INLINE_LIMIT)).isInstanceOf(SpoolFullException.class);
            assertThat(files("large")).isEmpty();
            assertThat(files("incoming")).isEmpty();
            assertThat(s.messages()).isEmpty();
            assertThat(disk.take()).noneMatch(e -> e.startsWith("write segments/"));
        }
    }

    @Test
    void aFailureWhileCompactingDoesNotFailTheRemovalBeforeIt() throws IOException {
        QueueId old;
        List<QueueId> later = new ArrayList<>();
        try (var s = open(8192)) {
            old = store(s, 2000);
            for (int i = 0; i < 12; i++) later.add(store(s, 2000)); // segments 1 to 5, three messages each
            // The removal's record is written; copying the old messages of segment 1 forward then fails.
            disk.failAfter(e -> e.startsWith("write segments/"), 1, RecordingDisk.ENOSPC);
            s.remove(later.get(0));
            assertThat(s.find(later.get(0))).isEmpty();
            assertThat(read(s, old)).isEqualTo(SpoolSamples.content(old, 2000));
            assertThat(files("segments")).contains("0000000001.log");
            disk.heal();
            s.remove(later.get(1)); // compaction is tried again, and done
            assertThat(files("segments")).doesNotContain("0000000001.log");
            assertThat(read(s, old)).isEqualTo(SpoolSamples.content(old, 2000));
        }
        try (var s = LogSpool.open(spool)) {
            List<QueueId> expected = new ArrayList<>(List.of(old));
            expected.addAll(later.subList(2, later.size()));
            assertThat(s.messages()).extracting(m -> m.envelope().id()).containsExactlyElementsOf(expected);
            assertThat(read(s, old)).isEqualTo(SpoolSamples.content(old, 2000));
        }
    }

    @Test
    void aDamagedSegmentIsRenamedIntoQuarantineAndBothDirectoriesSynced() throws IOException {
        List<QueueId> stored = new ArrayList<>();
        try (var s = open()) {
            for (int i = 0; i < 3; i++) stored.add(store(s, 2000));
        }
        SegmentFiles.flip(spool.resolve(SEGMENT_1), SegmentFiles.records(spool.resolve(SEGMENT_1)).get(2).end() - 10, 8);
        try (var s = open()) {
            disk.take();
            s.remove(stored.get(0));
            s.remove(stored.get(2));
            assertThat(disk.take()).containsSubsequence("rename " + SEGMENT_1 + " quarantine/0000000001.log",
                    "fsync-dir quarantine", "fsync-dir segments");
        }
    }
}
