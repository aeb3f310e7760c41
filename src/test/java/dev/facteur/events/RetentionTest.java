package dev.facteur.events;

import static dev.facteur.events.EventLogTest.events;
import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.testing.LogCapture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which old files rotation removes: past {@code keepFiles}, only those the webhook has sent; past
 * the hard cap, the oldest whether sent or not, with the loss logged.
 */
class RetentionTest {

    private static final long FILE = 4096;

    @TempDir
    Path dir;

    private final AtomicReference<Position> sent = new AtomicReference<>(new Position(1, 0));
    private EventLog eventLog;

    @AfterEach
    void close() {
        if (eventLog != null) eventLog.close();
    }

    private EventLog open(int keep, long cap) throws IOException {
        eventLog = EventLog.open(EventLogSettings.in(dir).withRotation(FILE, keep, cap), Environment.SYSTEM);
        eventLog.readFrom(sent::get);
        return eventLog;
    }

    private List<Long> old() throws IOException {
        return new LogFiles(dir).oldNumbers();
    }

    @Test
    void filesTheWebhookHasNotSentStayPastKeepFiles() throws IOException {
        open(1, 100 * FILE);
        events(0, 100).forEach(eventLog::append);
        eventLog.close();

        assertThat(old()).hasSizeGreaterThan(3).startsWith(1L); // all of them: the webhook is still at the start
    }

    @Test
    void onceSentTheyGoDownToKeepFiles() throws IOException {
        open(1, 100 * FILE);
        events(0, 100).forEach(eventLog::append);
        eventLog.close();
        assertThat(old()).hasSizeGreaterThan(3);

        open(1, 100 * FILE);
        eventLog.readFrom(eventLog::end); // a webhook that keeps up
        events(100, 130).forEach(eventLog::append);
        eventLog.close();

        assertThat(old()).hasSize(1);
    }

    @Test
    void pastTheCapTheOldestGoUnsentAndTheLossIsLogged() throws IOException {
        List<Event> all = events(0, 100);
        try (var log = LogCapture.attach("facteur.events")) {
            open(1, 2 * FILE);
            all.forEach(eventLog::append);
            eventLog.close();

            long kept = 0;
            for (long n : old()) kept += Files.size(new LogFiles(dir).old(n));
            assertThat(kept).isLessThanOrEqualTo(2 * FILE);
            assertThat(old()).doesNotContain(1L);

            long remaining = 0;
            for (long n : old()) remaining += EventLogTest.read(new LogFiles(dir).old(n)).size();
            remaining += EventLogTest.read(dir.resolve("events.log")).size();
            long lost = log.errors().stream()
                    .mapToLong(m -> Long.parseLong(m.replaceAll(".*holding (\\d+) events the webhook has not.*", "$1"))).sum();
            assertThat(log.errors()).allMatch(m -> m.contains("passed the cap of 8192 bytes"));
            assertThat(lost + remaining).as("every event is either still there or counted lost").isEqualTo(all.size());
        }
    }

    @Test
    void theNewestOldFileStaysEvenPastTheCap() throws IOException { // its number is where the next start goes on
        open(1, 2 * FILE);
        events(0, 100).forEach(eventLog::append);
        eventLog.close();
        long newest = old().getLast();

        open(1, 2 * FILE);
        assertThat(eventLog.end().file()).isEqualTo(newest + 1);
    }
}
