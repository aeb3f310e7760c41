package dev.facteur.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.testing.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class SummaryCacheTest {

    private final ManualClock clock = ManualClock.at(Instant.parse("2026-12-02T12:00:00Z"));
    private final AtomicInteger reads = new AtomicInteger();
    private final AtomicLong nanos = new AtomicLong();
    /** How long the next reading of the queue takes, as the cache measures it. */
    private Duration readingTakes = Duration.ofMillis(10);

    private final SummaryCache cache = new SummaryCache(() -> {
        nanos.addAndGet(readingTakes.toNanos());
        return new QueueSummary(reads.incrementAndGet(), Map.of(), null, List.of());
    }, clock, nanos::get);

    @Test
    void aYoungSummaryIsGivenAgainWithoutReadingTheQueue() {
        assertThat(cache.get().total()).isEqualTo(1);
        clock.advance(Duration.ofMillis(1999));
        assertThat(cache.get().total()).isEqualTo(1);
        clock.advance(Duration.ofMillis(1));
        assertThat(cache.get().total()).as("two seconds later").isEqualTo(2);
    }

    @Test
    void aSlowReadingIsKeptTenTimesAsLong() {
        readingTakes = Duration.ofSeconds(1);
        cache.get();
        clock.advance(Duration.ofSeconds(9));
        assertThat(cache.get().total()).isEqualTo(1);
        clock.advance(Duration.ofSeconds(1));
        assertThat(cache.get().total()).isEqualTo(2);
    }

    @Test
    void anOperatorsCommandForgetsIt() {
        cache.get();
        cache.forget();
        assertThat(cache.get().total()).isEqualTo(2);
    }
}
