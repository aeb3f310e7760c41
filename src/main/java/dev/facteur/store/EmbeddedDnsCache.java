package dev.facteur.store;

import java.time.Duration;
import java.time.Instant;

/**
 * DNS answers in the embedded file ({@link EmbeddedFile}: what a crash loses, damage, growth),
 * one record per key: {@code EXPIRY-MS ANSWER}. The sweep removes the dead ones with the rest.
 */
final class EmbeddedDnsCache implements DnsCache {

    private final EmbeddedFile file;
    private final Runnable closer;

    EmbeddedDnsCache(EmbeddedFile file, Runnable closer) {
        this.file = file;
        this.closer = closer;
    }

    @Override
    public String get(String key, Instant now) {
        long t = now.toEpochMilli();
        return file.locked(key, t, () -> AnswerRecord.alive(file.dns.get(key), t));
    }

    @Override
    public void put(String key, String answer, Instant now, Duration ttl) {
        if (!ttl.isPositive()) throw new IllegalArgumentException("a time to live must be positive: " + ttl);
        long t = now.toEpochMilli();
        file.locked(key, t, () -> file.dns.put(key, AnswerRecord.of(answer, t + ttl.toMillis())));
    }

    /** Closes the file, and with it the other stores that share it. */
    @Override
    public void close() {
        closer.run();
    }
}
