package dev.facteur.history;

import static dev.facteur.history.Events.delivered;
import static dev.facteur.history.Events.id;
import static dev.facteur.history.Events.received;
import static dev.facteur.history.Events.removed;
import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.message.QueueId;
import dev.facteur.testing.ManualClock;
import dev.facteur.testing.Patience;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The writer: a file per UTC day, files removed once kept long enough, and a crash's torn line left behind. */
class DeliveryHistoryTest {

    @TempDir
    Path dir;

    private final ManualClock clock = ManualClock.at(Instant.parse("2026-12-01T12:00:00Z"));
    private DeliveryHistory history;

    @AfterEach
    void close() {
        if (history != null) history.close();
    }

    private DeliveryHistory open(int keepDays) throws IOException {
        history = DeliveryHistory.open(new HistorySettings(true, dir, Duration.ofDays(keepDays)), clock);
        return history;
    }

    private List<String> lines(String day) throws IOException {
        return Files.readAllLines(dir.resolve(day + ".log"));
    }

    private List<String> files() throws IOException {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void eachEventGoesToTheFileOfItsUtcDay() throws Exception {
        QueueId id = id("2026-11-30T23:59:59Z", 1);
        open(30);
        history.record(received(id, Instant.parse("2026-11-30T23:59:59.999Z"), "<m@example.com>", "alice@example.com", "bob@example.org"));
        history.record(delivered(id, Instant.parse("2026-12-01T00:00:00.000Z"), "bob@example.org"));
        history.record(removed(id, Instant.parse("2026-12-01T00:00:00.001Z")));
        history.flush();

        assertThat(files()).containsExactly("2026-11-30.log", "2026-12-01.log");
        assertThat(lines("2026-11-30")).singleElement().asString().contains("\"e\":\"received\"");
        assertThat(lines("2026-12-01")).hasSize(2).first().asString().contains("\"e\":\"attempt\"");
    }

    @Test
    void closeWritesEverythingRecordedBefore() throws Exception {
        open(30);
        Instant t = clock.instant();
        IntStream.range(0, 5000).forEach(i -> history.record(removed(id("2026-12-01T11:00:00Z", i), t)));
        history.close();

        assertThat(lines("2026-12-01")).hasSize(5000);
        history.record(removed(id("2026-12-01T11:00:00Z", 9999), t)); // after close: dropped, and no error
        assertThat(lines("2026-12-01")).hasSize(5000);
    }

    @Test
    void filesWhoseEveryEventIsOlderThanKeepAreRemovedAtStart() throws Exception {
        for (String day : List.of("2026-11-01", "2026-11-02", "2026-11-03", "2026-11-30")) Files.writeString(dir.resolve(day + ".log"), "");
        Files.writeString(dir.resolve("notes.txt"), "an operator's file");

        open(29); // now 2026-12-01T12:00Z: events from 2026-11-02T12:00Z on are kept

        assertThat(files()).containsExactly("2026-11-02.log", "2026-11-03.log", "2026-11-30.log", "notes.txt");
    }

    @Test
    void whenTheDayTurnsTheOldestFileGoes() throws Exception {
        for (String day : List.of("2026-11-02", "2026-11-03")) Files.writeString(dir.resolve(day + ".log"), "");
        open(29);
        assertThat(files()).contains("2026-11-02.log");

        clock.set(Instant.parse("2026-12-02T00:00:00Z")); // the last event of 2026-11-02 is now 29 days old
        Patience.await("the writer removes 2026-11-02.log").until(() -> !Files.exists(dir.resolve("2026-11-02.log")));
        assertThat(files()).containsExactly("2026-11-03.log");
    }

    @Test
    void anEventOlderThanKeepIsNotWritten() throws Exception { // a clock set back must not bring back a removed file
        open(1);
        history.record(removed(id("2026-11-20T00:00:00Z", 1), Instant.parse("2026-11-20T00:00:00Z")));
        history.record(removed(id("2026-12-01T00:00:00Z", 1), Instant.parse("2026-12-01T00:00:00Z")));
        history.flush();
        assertThat(files()).containsExactly("2026-12-01.log");
    }

    @Test
    void afterACrashTheTornLastLineStaysOneBadLineAndTheNextEventIsWhole() throws Exception {
        QueueId id = id("2026-12-01T10:00:00Z", 1);
        String whole = new String(HistoryLine.write(received(id, Instant.parse("2026-12-01T10:00:00Z"), "<m@x>", "a@example.com", "b@example.org")),
                StandardCharsets.UTF_8);
        String torn = new String(HistoryLine.write(delivered(id, Instant.parse("2026-12-01T10:00:01Z"), "b@example.org")),
                StandardCharsets.UTF_8).substring(0, 60);
        Files.writeString(dir.resolve("2026-12-01.log"), whole + torn, StandardOpenOption.CREATE_NEW);

        open(30);
        history.record(removed(id, Instant.parse("2026-12-01T12:00:00Z")));
        history.close();

        assertThat(lines("2026-12-01")).containsExactly(whole.strip(), torn, new String(HistoryLine.write(removed(id,
                Instant.parse("2026-12-01T12:00:00Z"))), StandardCharsets.UTF_8).strip());
        List<MessageTrace> found = new HistoryReader(dir).find(new Lookup.ByQueueId(id), null, 10);
        assertThat(found).singleElement().satisfies(t -> assertThat(t.events()).extracting(HistoryLine::type).containsExactly("received", "removed"));
    }

    @Test
    void filesAreReadableByTheOwnerAndItsGroupOnly() throws Exception { // addresses are personal data
        open(30);
        history.record(removed(id("2026-12-01T11:00:00Z", 1), clock.instant()));
        history.flush();
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("2026-12-01.log"))))
                .isEqualTo("rw-r-----");
    }
}
