package dev.facteur.store;

import static dev.facteur.store.RedisGreylistStore.ms;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * DMARC report rows in Redis, shared by every node that uses the same Redis and prefix. A period
 * is a member {@code END|BEGIN|DOMAIN} (times in ms) of the sorted set {@code PREFIX dmarc-periods},
 * scored by its end, and a hash {@code PREFIX dmarc: END|BEGIN|DOMAIN} with fields {@code policy},
 * {@code rows}, {@code left-out} and one {@code r:RECORD} per row, holding its count. Each
 * operation is one Lua script: taking a period removes its member first and reads the hash only
 * if the member was there, so of nodes that take it at once exactly one gets the rows. In case no
 * node ever takes it, the hash expires a period and {@link #KEEP} after its last add (Redis's
 * clock: the period has ended by then, whatever the nodes' clocks say), and its member goes
 * {@link #KEEP} after the period's end.
 */
final class RedisDmarcReportStore implements DmarcReportStore {

    /** Added, in the script's numbers: NEW_ROW 0, COUNTED 1, LEFT_OUT 2. ARGV: member, end, policy, field, max rows, time to live (ms). */
    private static final RedisScript ADD = RedisScript.of("dmarc add", """
            local added
            if redis.call('HEXISTS', KEYS[2], ARGV[4]) == 1 then
              redis.call('HINCRBY', KEYS[2], ARGV[4], 1)
              added = 1
            elseif tonumber(redis.call('HGET', KEYS[2], 'rows') or '0') < tonumber(ARGV[5]) then
              redis.call('HSET', KEYS[2], ARGV[4], 1)
              redis.call('HINCRBY', KEYS[2], 'rows', 1)
              added = 0
            else
              redis.call('HINCRBY', KEYS[2], 'left-out', 1)
              added = 2
            end
            redis.call('HSET', KEYS[2], 'policy', ARGV[3])
            redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
            redis.call('PEXPIRE', KEYS[2], ARGV[6])
            return added
            """);

    /** ARGV: now, forget before (ms). Members of periods nobody took are dropped with their expired hashes. */
    private static final RedisScript ENDED = RedisScript.of("dmarc ended", """
            redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[2])
            return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
            """);

    /** ARGV: member. Nil when another node took it first. */
    private static final RedisScript TAKE = RedisScript.of("dmarc take", """
            if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return false end
            local all = redis.call('HGETALL', KEYS[2])
            redis.call('DEL', KEYS[2])
            return all
            """);

    private final RedisConnections redis;
    private final String prefix;
    private final Runnable closer;

    RedisDmarcReportStore(RedisConnections redis, String prefix, Runnable closer) {
        this.redis = redis;
        this.prefix = prefix;
        this.closer = closer;
    }

    @Override
    public Added add(Period period, String policy, String record, int maxRows) {
        String member = EmbeddedDmarcReportStore.key(period);
        Object reply = redis.eval(ADD, List.of(index(), prefix + "dmarc:" + member), List.of(member, ms(period.end()), policy,
                "r:" + record, Integer.toString(maxRows),
                ms(Duration.between(period.begin(), period.end()).plus(KEEP))));
        return switch (((Long) reply).intValue()) {
            case 0 -> Added.NEW_ROW;
            case 1 -> Added.COUNTED;
            case 2 -> Added.LEFT_OUT;
            default -> throw new StoreUnavailable("dmarc add script answered " + reply, null);
        };
    }

    @Override
    public List<Period> ended(Instant now) {
        Object reply = redis.eval(ENDED, List.of(index()), List.of(ms(now), ms(now.minus(KEEP))));
        List<Period> out = new ArrayList<>();
        for (Object member : (List<?>) reply) {
            String key = text(member);
            String[] parts = key.split("\\|", 3);
            if (EmbeddedDmarcReportStore.end(key) < 0) continue; // not ours
            out.add(new Period(parts[2], Instant.ofEpochMilli(Long.parseLong(parts[1])), Instant.ofEpochMilli(Long.parseLong(parts[0]))));
        }
        return out;
    }

    @Override
    public Optional<Taken> take(Period period) {
        String member = EmbeddedDmarcReportStore.key(period);
        Object reply = redis.eval(TAKE, List.of(index(), prefix + "dmarc:" + member), List.of(member));
        if (!(reply instanceof List<?> all)) return Optional.empty();
        Map<String, String> fields = new HashMap<>();
        for (int i = 0; i + 1 < all.size(); i += 2) fields.put(text(all.get(i)), text(all.get(i + 1)));
        Map<String, Long> rows = new HashMap<>();
        fields.forEach((field, count) -> {
            if (field.startsWith("r:")) rows.put(field.substring(2), Long.parseLong(count));
        });
        String policy = fields.get("policy");
        if (policy == null || rows.isEmpty()) return Optional.empty(); // expired under us
        return Optional.of(new Taken(period, policy, rows, Long.parseLong(fields.getOrDefault("left-out", "0"))));
    }

    private String index() {
        return prefix + "dmarc-periods";
    }

    private static String text(Object reply) {
        return reply instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(reply);
    }

    /** Closes the connections, and with them the other stores that share them. */
    @Override
    public void close() {
        closer.run();
    }
}
