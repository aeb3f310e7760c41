package dev.facteur.store;

import dev.facteur.store.EmbeddedFile.RateKey;
import java.time.Duration;
import java.time.Instant;

/**
 * Rate counters in the embedded file ({@link EmbeddedFile}: what a crash loses, damage, growth):
 * one record per key and window of time, {@code WINDOW|KEY|INDEX}.
 */
final class EmbeddedRateStore implements RateStore {

    private final EmbeddedFile file;
    private final Runnable closer;

    EmbeddedRateStore(EmbeddedFile file, Runnable closer) {
        this.file = file;
        this.closer = closer;
    }

    @Override
    public long add(String key, long n, Instant now, Duration window) {
        long t = now.toEpochMilli();
        long w = millis(window);
        return file.locked(RateKey.counter(w, key), t, () -> {
            file.rates.merge(RateKey.of(w, key, Math.floorDiv(t, w)), n, Long::sum);
            return estimate(key, t, w);
        });
    }

    @Override
    public long count(String key, Instant now, Duration window) {
        long t = now.toEpochMilli();
        long w = millis(window);
        return file.locked(RateKey.counter(w, key), t, () -> estimate(key, t, w));
    }

    /** The current window's count, and the previous one's in proportion to the part of it still in the last {@code w} ms. */
    private long estimate(String key, long now, long w) {
        long i = Math.floorDiv(now, w);
        long current = file.rates.getOrDefault(RateKey.of(w, key, i), 0L);
        long previous = file.rates.getOrDefault(RateKey.of(w, key, i - 1), 0L);
        double stillIn = 1.0 - (double) (now - i * w) / w;
        return current + Math.round(previous * stillIn);
    }

    private static long millis(Duration window) {
        if (window.toMillis() <= 0) throw new IllegalArgumentException("a rate window of at least 1 ms: " + window);
        return window.toMillis();
    }

    /** Closes the file, and with it the greylisting records that share it. */
    @Override
    public void close() {
        closer.run();
    }
}
