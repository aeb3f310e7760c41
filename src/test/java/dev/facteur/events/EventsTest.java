package dev.facteur.events;

import static dev.facteur.events.EventLogTest.event;
import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.testing.LogCapture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The surface the queue sees: emit returns, whatever happens to the event. */
class EventsTest {

    @TempDir
    Path dir;

    @Test
    void opensTheLogInADirectoryMadeForIt() throws IOException {
        Path events = dir.resolve("data/events");
        try (var e = Events.open(EventLogSettings.in(events), Optional.empty())) {
            e.emit(event(1));
        }
        assertThat(EventLogTest.read(events.resolve("events.log"))).containsExactly(event(1));
        assertThat(events.resolve("webhook.cursor")).doesNotExist(); // no webhook, no cursor
    }

    @Test
    void emitNeverThrows() throws IOException {
        var e = Events.open(EventLogSettings.in(dir), Optional.empty());
        try (var log = LogCapture.attach("facteur.events")) {
            e.emit(null);
            e.emit(event(1).withDetail("dump", "x".repeat(100_000))); // too large for a line: dropped, said so
            e.close();
            e.emit(event(2)); // after close: dropped
            assertThat(log.warnings()).singleElement().asString().contains("dropped");
        }
        assertThat(Files.readString(dir.resolve("events.log"))).isEmpty();
        EventSink.NONE.emit(event(3));
    }
}
