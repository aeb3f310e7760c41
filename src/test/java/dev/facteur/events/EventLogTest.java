package dev.facteur.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.testing.LogCapture;
import dev.facteur.testing.ManualClock;
import dev.facteur.testing.Patience;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The event log: lines in the order emitted, group commit, rotation, what a crash leaves and what
 * a failing disk does. The ticker is a stopped clock, so a sync is due only when the test moves
 * it or a batch fills.
 */
class EventLogTest {

    static final Instant AT = Instant.parse("2026-11-28T10:00:00Z");

    @TempDir
    Path dir;

    private final FaultyDisk disk = new FaultyDisk();
    private final ManualClock clock = ManualClock.stopped();
    private EventLog eventLog;

    /** Event number {@code n}: the same every time it is asked for, id included. */
    static Event event(int n) {
        Event e = Event.of(EventType.DELIVERED, AT.plusMillis(n), "app@example.com", "rcpt" + n + "@example.org")
                .withQueueId("01JDX4Q3Z8K2M").withAttempt(1).withDiagnostic("250 2.0.0 Ok: queued as " + n, "2.0.0")
                .withRemoteMta("mx.example.org[192.0.2.25]:25");
        return new Event(String.format("019ac9f0-8a80-7000-8000-%012d", n), e.type(), e.time(), e.queueId(), e.sender(),
                e.senderDomain(), e.recipient(), e.attempt(), e.diagnostic(), e.enhancedStatus(), e.remoteMta(), e.bounceClass(),
                e.details());
    }

    static List<Event> events(int from, int to) {
        return IntStream.range(from, to).mapToObj(EventLogTest::event).toList();
    }

    static long bytes(List<Event> events) {
        return events.stream().mapToLong(e -> EventJson.write(e).length + 1).sum();
    }

    /** The events in {@code file}, in order; every line must be one. */
    static List<Event> read(Path file) throws IOException {
        List<Event> out = new ArrayList<>();
        for (String line : Files.readString(file, StandardCharsets.UTF_8).split("\n", -1)) {
            if (!line.isEmpty()) out.add(EventJson.read(line.getBytes(StandardCharsets.UTF_8)));
        }
        assertThat(Files.readString(file)).as(file + " ends with a whole line").matches("(?s)|.*\n");
        return out;
    }

    private EventLogSettings settings() {
        return EventLogSettings.in(dir);
    }

    private EventLog open(EventLogSettings s) throws IOException {
        eventLog = EventLog.open(s, new Environment(disk, clock, clock::nanos, new Random(1), Duration.ofMillis(10)));
        return eventLog;
    }

    @AfterEach
    void close() {
        if (eventLog != null) eventLog.close();
    }

    @Test
    void eventsAreLinesOfJsonInTheOrderEmitted() throws IOException {
        open(settings());
        for (Event e : events(0, 3)) assertThat(eventLog.append(e)).isTrue();
        eventLog.close();

        assertThat(read(dir.resolve("events.log"))).isEqualTo(events(0, 3));
    }

    @Test
    void aBurstOfThousandsCostsOneSyncPerThousand() throws IOException {
        open(settings().withGroupCommit(Duration.ofMillis(100), 1000));
        disk.take();
        List<Event> burst = events(0, 5000);
        for (Event e : burst) eventLog.append(e);
        long total = bytes(burst);

        Patience.await("the burst is synced").until(() -> eventLog.end().offset() == total);
        assertThat(disk.count("force events.log")).isEqualTo(5);
        assertThat(read(dir.resolve("events.log"))).isEqualTo(burst);
    }

    @Test
    void anEventIsSyncedOnceTheIntervalHasPassed() throws IOException {
        open(settings().withGroupCommit(Duration.ofMillis(100), 1000));
        disk.take();
        for (Event e : events(0, 3)) eventLog.append(e);

        Patience.await("the events are written").until(() -> Files.size(dir.resolve("events.log")) == bytes(events(0, 3)));
        // the clock stands still: the interval has not passed, and readers see nothing yet
        assertThat(disk.operations()).doesNotContain("force events.log");
        assertThat(eventLog.end()).isEqualTo(new Position(1, 0));

        clock.advance(Duration.ofMillis(100));
        Patience.await("the interval's sync").until(() -> eventLog.end().equals(new Position(1, bytes(events(0, 3)))));
        assertThat(disk.count("force events.log")).isEqualTo(1);
    }

    @Test
    void rotatesBeforeALineWouldPassTheMaximumSizeAndKeepsTheNewestOldFiles() throws IOException {
        open(settings().withRotation(4096, 2, 3 * 4096));
        List<Event> all = events(0, 100);
        for (Event e : all) eventLog.append(e);
        eventLog.close();

        List<Path> old = files("events.log.*");
        assertThat(old).hasSize(2);
        List<Event> kept = new ArrayList<>();
        for (Path p : old) {
            assertThat(Files.size(p)).isLessThanOrEqualTo(4096).isGreaterThan(4096 - EventJson.write(event(99)).length - 1);
            kept.addAll(read(p));
        }
        kept.addAll(read(dir.resolve("events.log")));
        assertThat(kept).isEqualTo(all.subList(all.size() - kept.size(), all.size()));
        List<String> ops = disk.operations();
        int move = ops.indexOf("move events.log " + old.getLast().getFileName());
        assertThat(ops.get(move - 1)).as("synced whole before it is let go").isEqualTo("force events.log");
        assertThat(ops.get(move + 1)).as("the rename and the new file's name on disk").isEqualTo("sync-directory " + dir.getFileName());
    }

    @Test
    void numbersGoOnAfterARestart() throws IOException {
        open(settings().withRotation(4096, 2, 3 * 4096));
        for (Event e : events(0, 30)) eventLog.append(e);
        eventLog.close();
        long newest = new LogFiles(dir).oldNumbers().getLast();

        open(settings().withRotation(4096, 2, 3 * 4096));
        assertThat(eventLog.end().file()).isEqualTo(newest + 1);
        for (Event e : events(30, 60)) eventLog.append(e);
        eventLog.close();

        assertThat(new LogFiles(dir).oldNumbers()).allMatch(n -> n > newest);
    }

    @Test
    void aLineCutShortByACrashIsCutOffAtTheNextStart() throws IOException {
        byte[] whole = (new String(EventJson.write(event(1)), StandardCharsets.UTF_8) + "\n"
                + new String(EventJson.write(event(2)), StandardCharsets.UTF_8) + "\n").getBytes(StandardCharsets.UTF_8);
        byte[] torn = "{\"id\":\"0193b1b0-4a2e-7c3d-8e4f-5a".getBytes(StandardCharsets.UTF_8);
        Files.write(dir.resolve("events.log"), concat(whole, torn));

        try (var log = LogCapture.attach("facteur.events")) {
            open(settings());
            assertThat(log.warnings()).singleElement().asString().contains("cut " + torn.length + " bytes off the end of");
        }
        assertThat(eventLog.end()).isEqualTo(new Position(1, whole.length));
        eventLog.append(event(3));
        eventLog.close();
        assertThat(read(dir.resolve("events.log"))).containsExactly(event(1), event(2), event(3));
    }

    @Test
    void aFullDiskLosesNothingTheWriterTookAndLeavesNoPartialLine() throws IOException {
        open(settings().withGroupCommit(Duration.ofMillis(100), 10));
        disk.take();
        try (var log = LogCapture.attach("facteur.events")) {
            disk.fail(op -> op.equals("write events.log"));
            for (Event e : events(0, 10)) eventLog.append(e);
            Patience.await("the writer tries again").until(() -> disk.count("write events.log FAILED") >= 3);
            disk.heal();
            Patience.await("the events are synced").until(() -> eventLog.end().offset() == bytes(events(0, 10)));

            assertThat(log.errors()).singleElement().asString().contains("cannot write", FaultyDisk.ENOSPC, "trying again");
            assertThat(log.infos()).singleElement().asString().contains("writing", "again");
        }
        List<String> ops = disk.operations();
        for (int i = 0; i < ops.size(); i++)
            if (ops.get(i).equals("write events.log FAILED")) assertThat(ops.get(i + 1)).as("cut back at once").isEqualTo("truncate events.log 0");
        assertThat(read(dir.resolve("events.log"))).isEqualTo(events(0, 10));
    }

    @Test
    void aFailedSyncWritesTheUnsyncedLinesAgainOnce() throws IOException {
        open(settings().withGroupCommit(Duration.ofMillis(100), 5));
        AtomicInteger forces = new AtomicInteger();
        disk.fail(op -> op.equals("force events.log") && forces.getAndIncrement() == 0); // the first sync fails: its pages are in doubt
        for (Event e : events(0, 5)) eventLog.append(e);

        Patience.await("the events are synced").until(() -> eventLog.end().offset() == bytes(events(0, 5)));
        assertThat(disk.operations()).containsSubsequence("force events.log FAILED", "truncate events.log 0", "write events.log",
                "force events.log");
        assertThat(read(dir.resolve("events.log"))).isEqualTo(events(0, 5));
    }

    @Test
    void aWriterFarBehindMakesEmitDropRatherThanWait() throws IOException {
        open(settings().withBuffer(10, Duration.ZERO).withGroupCommit(Duration.ofMillis(100), 1));
        int accepted = 0;
        try (var log = LogCapture.attach("facteur.events")) {
            disk.hold(); // a disk that stalls
            for (Event e : events(0, 50)) if (eventLog.append(e)) accepted++;
            disk.release();
            List<String> dropped = log.await("the drops counted", m -> m.contains("were dropped"), 1);

            assertThat(log.warnings().getFirst()).contains("10 events wait for the writer already; dropping events");
            long n = Long.parseLong(dropped.getFirst().replaceAll("\\D*(\\d+) events were dropped.*", "$1"));
            assertThat(accepted + n).isEqualTo(50);
        }
        eventLog.close();
        assertThat(read(dir.resolve("events.log"))).hasSize(accepted);
    }

    @Test
    void anEventTooLargeForALineIsDroppedAndSaidSo() throws IOException {
        open(settings());
        try (var log = LogCapture.attach("facteur.events")) {
            assertThat(eventLog.append(event(1).withDetail("dump", "x".repeat(EventLog.MAX_EVENT_BYTES)))).isFalse();
            assertThat(log.warnings()).singleElement().asString().contains("dropped", "over the 65536");
        }
    }

    @Test
    void filesAreReadableByTheGroupOnly() throws IOException { // they hold addresses
        open(settings());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("events.log"))))
                .isEqualTo("rw-r-----");
    }

    private List<Path> files(String glob) throws IOException {
        List<Path> out = new ArrayList<>();
        try (var found = Files.newDirectoryStream(dir, glob)) {
            found.forEach(out::add);
        }
        out.sort(null);
        return out;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
