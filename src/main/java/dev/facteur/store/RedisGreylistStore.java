package dev.facteur.store;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Greylisting records in Redis, shared by every node that uses the same Redis and prefix. Each
 * operation is one Lua script on one key, so Redis runs it whole, in one order for every node.
 * The rules go by the {@code now} the caller passes (the rules of {@link GreylistRecord}), never
 * Redis's clock; a key's TTL only collects what the rules no longer read, {@link #KEEP} late.
 *
 * <p>Keys: {@code PREFIX grey: TRIPLET}, a hash {first, last, passed}, and
 * {@code PREFIX grey-client: CLIENT}, a hash {n, last}; times in ms since the epoch.
 */
final class RedisGreylistStore implements GreylistStore {

    /** How much longer than the rules need a key lives: room for nodes whose clocks differ. */
    static final Duration KEEP = Duration.ofHours(1);

    /** Seen, in the scripts' numbers: FIRST 0, TOO_EARLY 1, RETRIED 2, KNOWN 3. ARGV: now, delay, window, lifetime (ms). */
    private static final String SEEN = """
            local function seen(r, now, delay, window, lifetime)
              if not r[1] then return 0 end
              if r[3] == '1' then
                if now > tonumber(r[2]) + lifetime then return 0 end
                return 3
              end
              local first = tonumber(r[1])
              if now > first + window then return 0 end
              if now < first + delay then return 1 end
              return 2
            end
            local now, delay, window, lifetime = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
            local r = redis.call('HMGET', KEYS[1], 'first', 'last', 'passed')
            local s = seen(r, now, delay, window, lifetime)
            """;

    /** ARGV[5]: KEEP (ms). */
    private static final RedisScript ATTEMPT = RedisScript.of("greylist attempt", SEEN + """
            local first, passed, live = ARGV[1], '0', now + window
            if s ~= 0 then first = r[1]; live = tonumber(first) + window end
            if s >= 2 then passed = '1'; live = now + lifetime end
            redis.call('HSET', KEYS[1], 'first', first, 'last', ARGV[1], 'passed', passed)
            redis.call('PEXPIRE', KEYS[1], math.max(live - now, 0) + tonumber(ARGV[5]))
            return s
            """);

    private static final RedisScript PEEK = RedisScript.of("greylist peek", SEEN + "return s\n");

    /** The live count of a client's retries. ARGV: now, lifetime (ms). */
    private static final String RETRIES_SO_FAR = """
            local now, lifetime = tonumber(ARGV[1]), tonumber(ARGV[2])
            local r = redis.call('HMGET', KEYS[1], 'n', 'last')
            local n = 0
            if r[1] and now <= tonumber(r[2]) + lifetime then n = tonumber(r[1]) end
            """;

    /** ARGV[3]: KEEP (ms). */
    private static final RedisScript RETRIED = RedisScript.of("greylist retried", RETRIES_SO_FAR + """
            n = n + 1
            redis.call('HSET', KEYS[1], 'n', n, 'last', ARGV[1])
            redis.call('PEXPIRE', KEYS[1], lifetime + tonumber(ARGV[3]))
            return n
            """);

    private static final RedisScript RETRIES = RedisScript.of("greylist retries", RETRIES_SO_FAR + "return n\n");

    private final RedisConnections redis;
    private final String prefix;
    private final Runnable closer;

    RedisGreylistStore(RedisConnections redis, String prefix, Runnable closer) {
        this.redis = redis;
        this.prefix = prefix;
        this.closer = closer;
    }

    @Override
    public Seen attempt(String triplet, Instant now, Timing timing) {
        return seen(redis.eval(ATTEMPT, List.of(prefix + "grey:" + triplet), List.of(ms(now), ms(timing.delay()), ms(timing.window()),
                ms(timing.lifetime()), ms(KEEP))));
    }

    @Override
    public Seen peek(String triplet, Instant now, Timing timing) {
        return seen(redis.eval(PEEK, List.of(prefix + "grey:" + triplet), List.of(ms(now), ms(timing.delay()), ms(timing.window()),
                ms(timing.lifetime()))));
    }

    @Override
    public int retried(String client, Instant now, Timing timing) {
        return Math.toIntExact((Long) redis.eval(RETRIED, List.of(prefix + "grey-client:" + client),
                List.of(ms(now), ms(timing.lifetime()), ms(KEEP))));
    }

    @Override
    public int retries(String client, Instant now, Timing timing) {
        return Math.toIntExact((Long) redis.eval(RETRIES, List.of(prefix + "grey-client:" + client), List.of(ms(now), ms(timing.lifetime()))));
    }

    private static Seen seen(Object reply) {
        return switch (((Long) reply).intValue()) {
            case 0 -> Seen.FIRST;
            case 1 -> Seen.TOO_EARLY;
            case 2 -> Seen.RETRIED;
            case 3 -> Seen.KNOWN;
            default -> throw new StoreUnavailable("greylist script answered " + reply, null);
        };
    }

    static String ms(Instant t) {
        return Long.toString(t.toEpochMilli());
    }

    static String ms(Duration d) {
        return Long.toString(d.toMillis());
    }

    /** Closes the connections, and with them the rate counters that share them. */
    @Override
    public void close() {
        closer.run();
    }
}
