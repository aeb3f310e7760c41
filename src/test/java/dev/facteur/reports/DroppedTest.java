package dev.facteur.reports;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.store.StoreUnavailable;
import dev.facteur.testing.LogCapture;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** What a recorder could not count is said at most once a minute, with how many went since. */
class DroppedTest {

    private final AtomicLong nanos = new AtomicLong();
    private final Dropped dropped = new Dropped(LoggerFactory.getLogger("facteur.test"), "test report", "record", nanos::get);

    @Test
    void theFirstIsSaidThenOnceAMinuteWithHowManyWentSince() {
        try (var log = LogCapture.attach("facteur.test")) {
            dropped.add(new StoreUnavailable("down", null));
            dropped.add(new StoreUnavailable("down", null));
            nanos.set(Duration.ofSeconds(59).toNanos());
            dropped.add(new StoreUnavailable("down", null));
            nanos.set(Duration.ofSeconds(60).toNanos());
            dropped.add(new StoreUnavailable("still down", null));
            assertThat(log.warnings()).containsExactly(
                    "test report: 1 record dropped (reports are best effort): dev.facteur.store.StoreUnavailable: down",
                    "test report: 3 records dropped (reports are best effort): dev.facteur.store.StoreUnavailable: still down");
        }
    }
}
