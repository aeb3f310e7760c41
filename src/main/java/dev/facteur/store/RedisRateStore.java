package dev.facteur.store;

import static dev.facteur.store.RedisGreylistStore.KEEP;
import static dev.facteur.store.RedisGreylistStore.ms;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Rate counters in Redis, shared by every node that uses the same Redis and prefix: one hash per
 * key and window length, {@code PREFIX rate: WINDOW_MS : KEY}, whose fields are window numbers
 * (ms since the epoch / window) and values their events. Each operation is one Lua script on one
 * key; windows are numbered from the {@code now} passed in, never Redis's clock, and the TTL
 * (two windows and {@link RedisGreylistStore#KEEP}) only collects counters nobody reads.
 */
final class RedisRateStore implements RateStore {

    /** The estimate, as {@code RateStore} defines it. ARGV: n, now, window (ms). */
    private static final String ESTIMATE = """
            local now, w = tonumber(ARGV[2]), tonumber(ARGV[3])
            local i = math.floor(now / w)
            if i * w > now then i = i - 1 elseif (i + 1) * w <= now then i = i + 1 end
            local function events(index)
              return tonumber(redis.call('HGET', KEYS[1], string.format('%.0f', index))) or 0
            end
            local function estimate()
              return events(i) + math.floor(events(i - 1) * (1.0 - (now - i * w) / w) + 0.5)
            end
            """;

    /** ARGV[4]: KEEP (ms). Forgets the windows before the previous one. */
    private static final RedisScript ADD = RedisScript.of("rate add", ESTIMATE + """
            redis.call('HINCRBY', KEYS[1], string.format('%.0f', i), ARGV[1])
            for _, f in ipairs(redis.call('HKEYS', KEYS[1])) do
              if tonumber(f) < i - 1 then redis.call('HDEL', KEYS[1], f) end
            end
            redis.call('PEXPIRE', KEYS[1], 2 * w + tonumber(ARGV[4]))
            return estimate()
            """);

    private static final RedisScript COUNT = RedisScript.of("rate count", ESTIMATE + "return estimate()\n");

    private final RedisConnections redis;
    private final String prefix;
    private final Runnable closer;

    RedisRateStore(RedisConnections redis, String prefix, Runnable closer) {
        this.redis = redis;
        this.prefix = prefix;
        this.closer = closer;
    }

    @Override
    public long add(String key, long n, Instant now, Duration window) {
        return (Long) redis.eval(ADD, List.of(key(key, window)), List.of(Long.toString(n), ms(now), ms(positive(window)), ms(KEEP)));
    }

    @Override
    public long count(String key, Instant now, Duration window) {
        return (Long) redis.eval(COUNT, List.of(key(key, window)), List.of("0", ms(now), ms(positive(window))));
    }

    private String key(String key, Duration window) {
        return prefix + "rate:" + window.toMillis() + ":" + key;
    }

    private static Duration positive(Duration window) {
        if (window.toMillis() <= 0) throw new IllegalArgumentException("a rate window of at least 1 ms: " + window);
        return window;
    }

    /** Closes the connections, and with them the greylisting records that share them. */
    @Override
    public void close() {
        closer.run();
    }
}
