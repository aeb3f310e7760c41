package dev.facteur.queue;

import java.time.Duration;

/**
 * When to try again: the delay doubles from {@code initial} up to {@code max}; after
 * {@code lifetime} in the queue a message gives up; after {@code delayWarning} the sender hears
 * once that it is late (zero turns warnings off).
 */
public record RetryPolicy(Duration initial, Duration max, Duration lifetime, Duration delayWarning) {

    public static final RetryPolicy DEFAULT =
            new RetryPolicy(Duration.ofMinutes(5), Duration.ofHours(1), Duration.ofDays(5), Duration.ofHours(4));

    /** The wait after the given number of failed attempts (1 = after the first). */
    public Duration delayAfter(int attempts) {
        Duration d = initial;
        for (int i = 1; i < attempts && d.compareTo(max) < 0; i++) d = d.multipliedBy(2);
        return d.compareTo(max) > 0 ? max : d;
    }
}
