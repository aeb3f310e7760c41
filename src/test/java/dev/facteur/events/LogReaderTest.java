package dev.facteur.events;

import static dev.facteur.events.EventLogTest.event;
import static dev.facteur.events.EventLogTest.events;
import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.testing.LogCapture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The webhook's outbox: the log read from a position, across rotations, as far as it is synced. */
class LogReaderTest {

    @TempDir
    Path dir;

    private EventLog eventLog;

    @AfterEach
    void close() {
        if (eventLog != null) eventLog.close();
    }

    /** A log holding {@code events} in files of 4 KB, all synced (written by a run that has stopped). */
    private LogReader logOf(List<Event> events) throws IOException {
        var settings = EventLogSettings.in(dir).withRotation(4096, 100, 101 * 4096);
        try (EventLog writing = EventLog.open(settings, Environment.SYSTEM)) {
            events.forEach(writing::append);
        }
        eventLog = EventLog.open(settings, Environment.SYSTEM);
        return new LogReader(eventLog);
    }

    private static List<Event> parse(LogReader.Batch batch) {
        return batch.lines().stream().map(l -> EventJson.read(l.json())).toList();
    }

    @Test
    void readsEveryEventOnceInOrderAcrossRotations() throws IOException {
        List<Event> all = events(0, 60);
        LogReader reader = logOf(all);
        assertThat(new LogFiles(dir).oldNumbers()).hasSizeGreaterThan(3);

        List<Event> read = new ArrayList<>();
        Position at = new Position(1, 0);
        while (true) {
            LogReader.Batch b = reader.read(at, 7, 1 << 20);
            if (b.lines().isEmpty()) break;
            assertThat(b.lines()).hasSizeLessThanOrEqualTo(7);
            assertThat(b.lines()).allMatch(l -> l.end().file() == b.next().file()); // a batch stays in one file
            assertThat(b.next()).isEqualTo(b.lines().getLast().end());
            read.addAll(parse(b));
            at = b.next();
        }
        assertThat(read).isEqualTo(all);
        assertThat(at).isEqualTo(eventLog.end());
    }

    @Test
    void aBatchStopsBeforeItsBytesWouldPassTheLimitButHoldsOneEventAlways() throws IOException {
        LogReader reader = logOf(events(0, 5));
        int one = EventJson.write(event(0)).length + 1;

        assertThat(reader.read(new Position(1, 0), 100, 2 * one + 1).lines()).hasSize(2);
        assertThat(reader.read(new Position(1, 0), 100, 1).lines()).hasSize(1);
    }

    @Test
    void nothingPastTheLastSync() throws IOException {
        LogReader reader = logOf(events(0, 2));
        Position end = eventLog.end();

        var batch = reader.read(end, 100, 1 << 20);
        assertThat(batch.lines()).isEmpty();
        assertThat(batch.next()).isEqualTo(end);
    }

    @Test
    void damagedLinesAreSkippedAndSaidSo() throws IOException {
        // what a power cut can leave: zeros where the end of the file was never written, a line half there
        String good1 = new String(EventJson.write(event(1)), StandardCharsets.UTF_8);
        String good2 = new String(EventJson.write(event(2)), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("events.log.000001"),
                good1 + "\n\u0000\u0000\u0000\u0000\n{\"id\":\"half\n" + good2 + "\nnot json at all\n" + "x".repeat(300_000) + "\n");
        eventLog = EventLog.open(EventLogSettings.in(dir), Environment.SYSTEM);
        var reader = new LogReader(eventLog);

        try (var log = LogCapture.attach("facteur.events")) {
            var batch = reader.read(new Position(1, 0), 100, 1 << 20);
            assertThat(parse(batch)).containsExactly(event(1), event(2));
            var rest = reader.read(batch.next(), 100, 1 << 20);
            assertThat(rest.lines()).isEmpty();
            assertThat(rest.next()).as("past the damage, then on to the next file").isEqualTo(new Position(2, 0));
            assertThat(log.warnings()).singleElement().asString().contains("skipped 4 damaged lines in file 1");
        }
    }

    @Test
    void aRemovedFileIsPassedOver() throws IOException {
        LogReader reader = logOf(events(0, 60));
        Files.delete(dir.resolve("events.log.000001"));

        try (var log = LogCapture.attach("facteur.events")) {
            var batch = reader.read(new Position(1, 200), 1000, 1 << 20);
            assertThat(batch.lines().getFirst().end().file()).isEqualTo(2);
            assertThat(parse(batch).getFirst()).isEqualTo(EventJson.read(Files.readAllLines(dir.resolve("events.log.000002")).getFirst()
                    .getBytes(StandardCharsets.UTF_8)));
            assertThat(log.warnings()).singleElement().asString().contains("events.log.000001 is gone", "goes on with file 2");
        }
    }

    @Test
    void theBacklogCountsEventsAndBytesFromAPosition() throws IOException {
        List<Event> all = events(0, 60);
        LogReader reader = logOf(all);

        assertThat(reader.backlog(new Position(1, 0))).isEqualTo(new LogReader.Backlog(60, EventLogTest.bytes(all)));
        var firstTen = reader.read(new Position(1, 0), 10, 1 << 20);
        assertThat(reader.backlog(firstTen.next())).isEqualTo(new LogReader.Backlog(50, EventLogTest.bytes(all.subList(10, 60))));
        assertThat(reader.backlog(eventLog.end())).isEqualTo(new LogReader.Backlog(0, 0));
    }
}
