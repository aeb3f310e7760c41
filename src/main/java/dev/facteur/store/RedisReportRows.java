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
import java.util.function.Function;

/**
 * A report's rows in Redis, counted per {@link ReportPeriod}: what {@link RedisDmarcReportStore}
 * and {@link RedisTlsReportStore} share, each with names and an add script of its own. A period
 * is a member of the sorted set {@code PREFIX INDEX}, scored by its end (ms), and a hash
 * {@code PREFIX HASH MEMBER} with fields {@code rows}, {@code left-out}, and what the store keeps
 * of the period and its rows. Each operation is one Lua script: taking a period removes its member
 * first and reads the hash only if the member was there, so of nodes that take it at once exactly
 * one gets the rows. In case no node ever takes it, the hash expires a period and
 * {@link ReportStore#KEEP} after its last add (Redis's clock: the period has ended by then,
 * whatever the nodes' clocks say), and its member goes {@code KEEP} after the period's end.
 *
 * @param <P> the store's period
 */
final class RedisReportRows<P extends ReportPeriod> {

    /** ARGV: now, forget before (ms). Members of periods nobody took are dropped with their expired hashes. */
    private static final RedisScript ENDED = RedisScript.of("report periods ended", """
            redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[2])
            return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
            """);

    /** ARGV: member. Nil when another node took it first. */
    private static final RedisScript TAKE = RedisScript.of("report period take", """
            if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return false end
            local all = redis.call('HGETALL', KEYS[2])
            redis.call('DEL', KEYS[2])
            return all
            """);

    private final RedisConnections redis;
    private final String index;
    private final String hash;
    private final Function<P, String> member;
    private final Function<String, P> period;

    /**
     * @param index  the sorted set of periods, its prefix included
     * @param hash   the start of a period's hash name, its prefix included; the member follows
     * @param member a period's member of the index
     * @param period the period a member names; null when it names none (not ours)
     */
    RedisReportRows(RedisConnections redis, String index, String hash, Function<P, String> member, Function<String, P> period) {
        this.redis = redis;
        this.index = index;
        this.hash = hash;
        this.member = member;
        this.period = period;
    }

    /**
     * Counts one more row in {@code p} with {@code add}, the store's script, which answers 0 for a
     * new row, 1 for a row counted again, 2 for one left out. KEYS: the index, the period's hash.
     * ARGV: the member, the period's end (ms), the store's {@code first} and {@code second}
     * argument, {@code maxRows}, and the hash's time to live (ms).
     */
    Counted add(RedisScript add, P p, String first, String second, int maxRows) {
        String m = member.apply(p);
        Object reply = redis.eval(add, List.of(index, hash + m), List.of(m, ms(p.end()), first, second, Integer.toString(maxRows),
                ms(Duration.between(p.begin(), p.end()).plus(ReportStore.KEEP))));
        return switch (((Long) reply).intValue()) {
            case 0 -> Counted.NEW_ROW;
            case 1 -> Counted.COUNTED;
            case 2 -> Counted.LEFT_OUT;
            default -> throw new StoreUnavailable(add + " script answered " + reply, null);
        };
    }

    /** The periods that ended at or before {@code now}, oldest first. */
    List<P> ended(Instant now) {
        Object reply = redis.eval(ENDED, List.of(index), List.of(ms(now), ms(now.minus(ReportStore.KEEP))));
        List<P> out = new ArrayList<>();
        for (Object m : (List<?>) reply) {
            P p = period.apply(text(m));
            if (p != null) out.add(p); // else not ours
        }
        return out;
    }

    /** The fields of {@code p}'s hash, removed; empty when another node took it first. */
    Optional<Map<String, String>> take(P p) {
        String m = member.apply(p);
        Object reply = redis.eval(TAKE, List.of(index, hash + m), List.of(m));
        if (!(reply instanceof List<?> all)) return Optional.empty();
        Map<String, String> fields = new HashMap<>();
        for (int i = 0; i + 1 < all.size(); i += 2) fields.put(text(all.get(i)), text(all.get(i + 1)));
        return Optional.of(fields);
    }

    /** The {@code left-out} field of a period's hash. */
    static long leftOut(Map<String, String> fields) {
        return Long.parseLong(fields.getOrDefault("left-out", "0"));
    }

    private static String text(Object reply) {
        return reply instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(reply);
    }
}
