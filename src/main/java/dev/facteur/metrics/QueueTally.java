package dev.facteur.metrics;

import java.time.Duration;
import java.time.Instant;

/** The queue counted at one scrape: how many messages are in each state, and when the oldest of each arrived. */
public final class QueueTally {

    private final long[] messages = new long[QueueState.values().length];
    private final Instant[] oldest = new Instant[QueueState.values().length];

    /** One message in {@code state}, received at {@code arrival}. */
    public void add(QueueState state, Instant arrival) {
        int i = state.ordinal();
        messages[i]++;
        if (oldest[i] == null || arrival.isBefore(oldest[i])) oldest[i] = arrival;
    }

    public long messages(QueueState state) {
        return messages[state.ordinal()];
    }

    /** Seconds since the oldest message in {@code state} arrived, at {@code now}; 0 when there is none. */
    double oldestAge(QueueState state, Instant now) {
        Instant o = oldest[state.ordinal()];
        return o == null ? 0 : Math.max(0, Duration.between(o, now).toMillis() / 1000.0);
    }
}
