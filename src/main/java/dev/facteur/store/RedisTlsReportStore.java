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
 * TLS report rows in Redis, shared by every node that uses the same Redis and prefix. A day is a
 * member {@code DATE|DOMAIN} of the sorted set {@code PREFIX tls-report-days}, scored by its end
 * (ms), and a hash {@code PREFIX tls-report: DATE|DOMAIN} with fields {@code rows},
 * {@code left-out}, and per row {@code c:ROW} (its count) and {@code n:ROW} (its note). Each
 * operation is one Lua script: taking a day removes its member first and reads the hash only if
 * the member was there, so of nodes that take it at once exactly one gets the rows. In case no
 * node ever takes it, the hash expires a day and {@link #KEEP} after its last add (Redis's clock),
 * and its member goes {@link #KEEP} after the day's end.
 */
final class RedisTlsReportStore implements TlsReportStore {

    /** Added, in the script's numbers: NEW_ROW 0, COUNTED 1, LEFT_OUT 2. ARGV: member, end, row, note, max rows, time to live (ms). */
    private static final RedisScript ADD = RedisScript.of("tls report add", """
            local count, note = 'c:' .. ARGV[3], 'n:' .. ARGV[3]
            local added
            if redis.call('HEXISTS', KEYS[2], count) == 1 then
              redis.call('HINCRBY', KEYS[2], count, 1)
              redis.call('HSET', KEYS[2], note, ARGV[4])
              added = 1
            elseif tonumber(redis.call('HGET', KEYS[2], 'rows') or '0') < tonumber(ARGV[5]) then
              redis.call('HSET', KEYS[2], count, 1, note, ARGV[4])
              redis.call('HINCRBY', KEYS[2], 'rows', 1)
              added = 0
            else
              redis.call('HINCRBY', KEYS[2], 'left-out', 1)
              added = 2
            end
            redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
            redis.call('PEXPIRE', KEYS[2], ARGV[6])
            return added
            """);

    /** ARGV: now, forget before (ms). Members of days nobody took are dropped with their expired hashes. */
    private static final RedisScript ENDED = RedisScript.of("tls report ended", """
            redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[2])
            return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
            """);

    /** ARGV: member. Nil when another node took it first. */
    private static final RedisScript TAKE = RedisScript.of("tls report take", """
            if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return false end
            local all = redis.call('HGETALL', KEYS[2])
            redis.call('DEL', KEYS[2])
            return all
            """);

    private final RedisConnections redis;
    private final String prefix;
    private final Runnable closer;

    RedisTlsReportStore(RedisConnections redis, String prefix, Runnable closer) {
        this.redis = redis;
        this.prefix = prefix;
        this.closer = closer;
    }

    @Override
    public Added add(Day day, String row, String note, int maxRows) {
        String member = EmbeddedTlsReportStore.key(day);
        Object reply = redis.eval(ADD, List.of(index(), hash(member)), List.of(member, ms(day.end()), row, note,
                Integer.toString(maxRows), ms(Duration.between(day.begin(), day.end()).plus(KEEP))));
        return switch (((Long) reply).intValue()) {
            case 0 -> Added.NEW_ROW;
            case 1 -> Added.COUNTED;
            case 2 -> Added.LEFT_OUT;
            default -> throw new StoreUnavailable("tls report add script answered " + reply, null);
        };
    }

    @Override
    public List<Day> ended(Instant now) {
        Object reply = redis.eval(ENDED, List.of(index()), List.of(ms(now), ms(now.minus(KEEP))));
        List<Day> out = new ArrayList<>();
        for (Object member : (List<?>) reply) {
            Day day = EmbeddedTlsReportStore.day(text(member));
            if (day != null) out.add(day); // else not ours
        }
        return out;
    }

    @Override
    public Optional<Taken> take(Day day) {
        String member = EmbeddedTlsReportStore.key(day);
        Object reply = redis.eval(TAKE, List.of(index(), hash(member)), List.of(member));
        if (!(reply instanceof List<?> all)) return Optional.empty();
        Map<String, String> fields = new HashMap<>();
        for (int i = 0; i + 1 < all.size(); i += 2) fields.put(text(all.get(i)), text(all.get(i + 1)));
        Map<String, Row> rows = new HashMap<>();
        fields.forEach((field, count) -> {
            if (field.startsWith("c:")) {
                String row = field.substring(2);
                rows.put(row, new Row(Long.parseLong(count), fields.getOrDefault("n:" + row, "")));
            }
        });
        if (rows.isEmpty()) return Optional.empty(); // expired under us
        return Optional.of(new Taken(day, rows, Long.parseLong(fields.getOrDefault("left-out", "0"))));
    }

    private String index() {
        return prefix + "tls-report-days";
    }

    private String hash(String member) {
        return prefix + "tls-report:" + member;
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
