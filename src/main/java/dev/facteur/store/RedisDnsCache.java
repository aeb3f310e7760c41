package dev.facteur.store;

import static dev.facteur.store.RedisGreylistStore.KEEP;
import static dev.facteur.store.RedisGreylistStore.ms;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * DNS answers in Redis, shared by every node that uses the same Redis and prefix: one string per
 * answer, {@code PREFIX dns: KEY}, holding {@code EXPIRY-MS ANSWER}. Expiry is read against the
 * callers' {@code now}; Redis's own expiry ({@link RedisGreylistStore#KEEP} later) only collects
 * what nobody reads.
 */
final class RedisDnsCache implements DnsCache {

    private static final RedisScript GET = RedisScript.of("dns get", "return redis.call('GET', KEYS[1])\n");
    /** ARGV: the record, its lifetime in Redis (ms). */
    private static final RedisScript PUT = RedisScript.of("dns put", "redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])\nreturn 1\n");

    private final RedisConnections redis;
    private final String prefix;
    private final Runnable closer;

    RedisDnsCache(RedisConnections redis, String prefix, Runnable closer) {
        this.redis = redis;
        this.prefix = prefix;
        this.closer = closer;
    }

    @Override
    public String get(String key, Instant now) {
        String record = switch (redis.eval(GET, List.of(prefix + "dns:" + key), List.of())) {
            case byte[] b -> new String(b, StandardCharsets.UTF_8);
            case String s -> s;
            case null, default -> null; // none: Redis's nil
        };
        return AnswerRecord.alive(record, now.toEpochMilli());
    }

    @Override
    public void put(String key, String answer, Instant now, Duration ttl) {
        if (!ttl.isPositive()) throw new IllegalArgumentException("a time to live must be positive: " + ttl);
        redis.eval(PUT, List.of(prefix + "dns:" + key),
                List.of(AnswerRecord.of(answer, now.toEpochMilli() + ttl.toMillis()), ms(ttl.plus(KEEP))));
    }

    /** Closes the connections, and with them the other stores that share them. */
    @Override
    public void close() {
        closer.run();
    }
}
