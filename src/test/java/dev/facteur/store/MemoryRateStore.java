package dev.facteur.store;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/** Rate counters on a plain map, for tests of the checks: one node, nothing kept. */
public final class MemoryRateStore implements RateStore {

    private final Map<String, Long> counts = new HashMap<>(); // key#window-index -> events

    @Override
    public synchronized long add(String key, long n, Instant now, Duration window) {
        counts.merge(key + "#" + index(now, window), n, Long::sum);
        return count(key, now, window);
    }

    @Override
    public synchronized long count(String key, Instant now, Duration window) {
        long w = window.toMillis();
        long i = index(now, window);
        long current = counts.getOrDefault(key + "#" + i, 0L);
        long previous = counts.getOrDefault(key + "#" + (i - 1), 0L);
        double stillIn = 1.0 - (double) (now.toEpochMilli() - i * w) / w;
        return current + Math.round(previous * stillIn);
    }

    private static long index(Instant now, Duration window) {
        if (window.toMillis() <= 0) throw new IllegalArgumentException("a rate window of at least 1 ms: " + window);
        return Math.floorDiv(now.toEpochMilli(), window.toMillis());
    }

    @Override
    public void close() {}
}
