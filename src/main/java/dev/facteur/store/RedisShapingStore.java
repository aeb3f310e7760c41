package dev.facteur.store;

import java.util.List;
import java.util.Locale;

/**
 * The shaping store in Redis, shared by every node that uses the same Redis and prefix. Each
 * operation is one Lua script on one key: {@code PREFIX shaping:budget: KEY} (a hash: the
 * budget's theoretical arrival time {@code tat} and two one-minute counters),
 * {@code PREFIX shaping:lease: KEY} (a sorted set of lease ids by expiry) and
 * {@code PREFIX shaping:value: KEY}. Times come from the callers, never Redis's clock; the TTLs
 * only collect what nobody uses any more.
 */
final class RedisShapingStore implements ShapingStore {

    /** ARGV: interval, tolerance, now (ms; the first two may have fractions), n (1 to take, -1 to give back). */
    private static final RedisScript TAKE = RedisScript.of("shaping take", """
            local interval, tolerance, now, n = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
            local tat = tonumber(redis.call('HGET', KEYS[1], 'tat')) or now
            if tat < now then tat = now end
            local window = math.floor(now / 60000)
            local field = string.format('m%.0f', window)
            if n < 0 then
              if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end -- nothing taken: nothing to give back, no key without a TTL
              local back = tat - interval
              if back < now then back = now end
              redis.call('HSET', KEYS[1], 'tat', string.format('%.3f', back))
              if (tonumber(redis.call('HGET', KEYS[1], field)) or 0) > 0 then redis.call('HINCRBY', KEYS[1], field, -1) end
              return 0
            end
            if interval > 0 then
              if tat - now > tolerance then return math.max(1, math.ceil(tat - tolerance - now)) end
              redis.call('HSET', KEYS[1], 'tat', string.format('%.3f', tat + interval))
            end
            redis.call('HINCRBY', KEYS[1], field, 1)
            for _, f in ipairs(redis.call('HKEYS', KEYS[1])) do
              if string.sub(f, 1, 1) == 'm' and tonumber(string.sub(f, 2)) < window - 1 then redis.call('HDEL', KEYS[1], f) end
            end
            redis.call('PEXPIRE', KEYS[1], math.ceil(tat + interval - now) + 120000)
            return 0
            """);

    /** ARGV: now. */
    private static final RedisScript TAKEN = RedisScript.of("shaping taken", """
            local now = tonumber(ARGV[1])
            local window = math.floor(now / 60000)
            local current = tonumber(redis.call('HGET', KEYS[1], string.format('m%.0f', window))) or 0
            local previous = tonumber(redis.call('HGET', KEYS[1], string.format('m%.0f', window - 1))) or 0
            return current + math.floor(previous * (1.0 - (now - window * 60000) / 60000) + 0.5)
            """);

    /** ARGV: id, limit, now, ttl. */
    private static final RedisScript LEASE = RedisScript.of("shaping lease", """
            local now, ttl = tonumber(ARGV[3]), tonumber(ARGV[4])
            redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
            if not redis.call('ZSCORE', KEYS[1], ARGV[1]) and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
            redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
            local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
            redis.call('PEXPIRE', KEYS[1], math.max(1, math.ceil(tonumber(last[2]) - now)))
            return 1
            """);

    /** ARGV: expected ('' for none, with ARGV[3] = '0'), value, expected given (1/0), ttl. */
    private static final RedisScript REPLACE = RedisScript.of("shaping replace", """
            local current = redis.call('GET', KEYS[1])
            if ARGV[3] == '1' then
              if current ~= ARGV[1] then return 0 end
            elseif current then
              return 0
            end
            redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[4])
            return 1
            """);

    private final RedisConnections redis;
    private final String prefix;
    private final Runnable closer;

    RedisShapingStore(RedisConnections redis, String prefix, Runnable closer) {
        this.redis = redis;
        this.prefix = prefix;
        this.closer = closer;
    }

    @Override
    public long take(String key, double intervalMillis, double toleranceMillis, long now) {
        return (Long) redis.eval(TAKE, List.of(prefix + "shaping:budget:" + key),
                List.of(number(intervalMillis), number(toleranceMillis), Long.toString(now), "1"));
    }

    @Override
    public void giveBack(String key, double intervalMillis, long now) {
        redis.eval(TAKE, List.of(prefix + "shaping:budget:" + key), List.of(number(intervalMillis), "0", Long.toString(now), "-1"));
    }

    @Override
    public long taken(String key, long now) {
        return (Long) redis.eval(TAKEN, List.of(prefix + "shaping:budget:" + key), List.of(Long.toString(now)));
    }

    @Override
    public boolean lease(String key, String id, int limit, long now, long ttlMillis) {
        return (Long) redis.eval(LEASE, List.of(prefix + "shaping:lease:" + key),
                List.of(id, Integer.toString(limit), Long.toString(now), Long.toString(ttlMillis))) == 1L;
    }

    @Override
    public void release(String key, String id) {
        redis.eval(RELEASE, List.of(prefix + "shaping:lease:" + key), List.of(id));
    }

    private static final RedisScript RELEASE = RedisScript.of("shaping release", "return redis.call('ZREM', KEYS[1], ARGV[1])\n");

    private static final RedisScript GET = RedisScript.of("shaping get", "return redis.call('GET', KEYS[1])\n");

    @Override
    public String get(String key) {
        Object v = redis.eval(GET, List.of(prefix + "shaping:value:" + key), List.of());
        return v == null ? null : v instanceof byte[] b ? new String(b, java.nio.charset.StandardCharsets.UTF_8) : v.toString();
    }

    @Override
    public boolean replace(String key, String expected, String value, long ttlMillis) {
        return (Long) redis.eval(REPLACE, List.of(prefix + "shaping:value:" + key),
                List.of(expected == null ? "" : expected, value, expected == null ? "0" : "1", Long.toString(Math.max(1, ttlMillis)))) == 1L;
    }

    private static String number(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }

    /** Closes the connections, and with them the other stores that share them. */
    @Override
    public void close() {
        closer.run();
    }
}
