package dev.facteur.spool;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.message.Envelope;
import dev.facteur.message.QueueId;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Spools written by earlier code ({@link GoldenSpool}), checked in and never rewritten: whatever
 * the spool's code becomes, it must read them to exactly the envelopes and content they hold, or
 * an upgrade would lose or misread queued mail.
 */
class GoldenSpoolTest {

    @TempDir
    Path dir;

    static Path golden(String format) {
        try {
            return Path.of(GoldenSpoolTest.class.getResource("golden/" + format + "/spool").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A writable copy of a golden spool (opening it writes: a new segment, the lock). */
    static Path copyOf(String format, Path into) throws IOException {
        Path from = golden(format);
        Path to = into.resolve("spool");
        try (Stream<Path> tree = Files.walk(from)) {
            tree.forEach(p -> {
                try {
                    Files.copy(p, to.resolve(from.relativize(p).toString()));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
        return to;
    }

    private static Map<QueueId, Envelope> envelopes(Spool spool) {
        Map<QueueId, Envelope> out = new LinkedHashMap<>();
        for (StoredMessage m : spool.messages()) out.put(m.envelope().id(), m.envelope());
        return out;
    }

    private static void assertHoldsTheGoldenMessages(Spool spool, String format) throws IOException {
        assertThat(envelopes(spool)).containsExactlyEntriesOf(GoldenSpool.expected(format));
        for (QueueId id : GoldenSpool.expected(format).keySet()) {
            int n = (int) (id.value() & 0xfffff);
            byte[] content;
            try (InputStream in = spool.openContent(id)) {
                content = in.readAllBytes();
            }
            assertThat(content).as("content of golden message %d", n).isEqualTo(GoldenSpool.content(n));
            assertThat(spool.find(id).orElseThrow().size()).isEqualTo(GoldenSpool.content(n).length);
        }
        for (QueueId gone : GoldenSpool.removed()) assertThat(spool.find(gone)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"format-1", "format-2"})
    void aGoldenSpoolIsReadToExactlyTheEnvelopesAndContentItHolds(String format) throws IOException {
        try (var spool = LogSpool.open(copyOf(format, dir))) {
            assertHoldsTheGoldenMessages(spool, format);
        }
        try (var spool = LogSpool.open(dir.resolve("spool"))) { // and again, after a run of today's code
            assertHoldsTheGoldenMessages(spool, format);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"format-1", "format-2"})
    void theQueueToolsReadAGoldenSpoolWithoutWritingToIt(String format) throws IOException {
        try (var spool = LogSpool.openReadOnly(golden(format))) {
            assertHoldsTheGoldenMessages(spool, format);
        }
    }

    @Test
    void aFlippedRecordOfTheGoldenSpoolLosesThatMessageOnlyAndTheRecordsAfterItStillApply() throws IOException {
        Path spool = copyOf("format-1", dir);
        Path segment = spool.resolve("segments/0000000001.log");
        var message4 = SegmentFiles.records(segment).get(3); // MESSAGE 4, then UPDATE 1 and REMOVE 2
        SegmentFiles.flip(segment, message4.end() - 20, 8);
        try (var s = LogSpool.open(spool)) {
            Map<QueueId, Envelope> expected = GoldenSpool.expected("format-1");
            expected.remove(GoldenSpool.id(4));
            assertThat(envelopes(s)).containsExactlyEntriesOf(expected);
        }
    }

    @Test
    void aDamagedCommitOfTheGoldenSpoolLosesAllItsChangesNeverPartOfThem() throws IOException {
        Path spool = copyOf("format-2", dir);
        Path segment = spool.resolve("segments/0000000002.log");
        var commits = SegmentFiles.records(segment, Records.COMMIT);
        SegmentFiles.flip(segment, commits.getLast().end() - 20, 8); // DSN 8 with the removal of message 7
        try (var s = LogSpool.openReadOnly(spool)) {
            Map<QueueId, Envelope> expected = new TreeMap<>(GoldenSpool.expected("format-2"));
            expected.remove(GoldenSpool.id(8));
            expected.put(GoldenSpool.id(7), GoldenSpool.received(7)); // not removed: delivered again, but not lost
            assertThat(envelopes(s)).containsExactlyEntriesOf(expected);
        }
    }
}
