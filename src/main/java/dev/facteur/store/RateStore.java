package dev.facteur.store;

import java.time.Duration;
import java.time.Instant;

/**
 * Event counters for rate limits (connections, messages, recipients per client, network or
 * sender domain), shared by every node of a cluster: each operation is atomic across nodes. A
 * rate is counted in fixed windows of {@code window}, and the rate over the last window is the
 * current window's count plus the previous one's in proportion to the time of it still in the
 * last window (a sliding window estimated from two counters).
 */
public interface RateStore extends AutoCloseable {

    /** Adds {@code n} events for {@code key} at {@code now}; returns the events in the last {@code window}, these included. */
    long add(String key, long n, Instant now, Duration window);

    /** The events in the last {@code window}, changing nothing. */
    long count(String key, Instant now, Duration window);

    @Override
    void close();
}
