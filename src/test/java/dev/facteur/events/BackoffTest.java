package dev.facteur.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Random;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class BackoffTest {

    private final Backoff backoff = new Backoff(Duration.ofSeconds(1), Duration.ofMinutes(5));

    /** A generator that always draws the top of the range, or the bottom. */
    private static RandomGenerator always(boolean top) {
        return new RandomGenerator() {
            @Override
            public long nextLong() {
                throw new UnsupportedOperationException();
            }

            @Override
            public long nextLong(long bound) {
                return top ? bound - 1 : 0;
            }
        };
    }

    @Test
    void oneSecondDoublingUpToTheCap() {
        RandomGenerator top = always(true);
        assertThat(backoff.after(1, top)).isEqualTo(Duration.ofSeconds(1));
        assertThat(backoff.after(2, top)).isEqualTo(Duration.ofSeconds(2));
        assertThat(backoff.after(3, top)).isEqualTo(Duration.ofSeconds(4));
        assertThat(backoff.after(9, top)).isEqualTo(Duration.ofSeconds(256));
        assertThat(backoff.after(10, top)).isEqualTo(Duration.ofMinutes(5));
        assertThat(backoff.after(1_000_000, top)).isEqualTo(Duration.ofMinutes(5)); // hours of failures: no overflow
    }

    @Test
    void eachWaitIsDrawnBetweenItsHalfAndItself() {
        assertThat(backoff.after(3, always(false))).isEqualTo(Duration.ofSeconds(2));
        Random random = new Random(7);
        for (int failures = 1; failures < 20; failures++) {
            Duration ceiling = backoff.after(failures, always(true));
            for (int i = 0; i < 100; i++)
                assertThat(backoff.after(failures, random)).isBetween(ceiling.dividedBy(2), ceiling);
        }
    }
}
