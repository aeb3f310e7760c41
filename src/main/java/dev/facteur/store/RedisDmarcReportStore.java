package dev.facteur.store;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * DMARC report rows in Redis, shared by every node that uses the same Redis and prefix, kept by
 * {@link RedisReportRows}. A period is a member {@code END|BEGIN|DOMAIN} (times in ms) of the
 * sorted set {@code PREFIX dmarc-periods}, and a hash {@code PREFIX dmarc: END|BEGIN|DOMAIN} with
 * fields {@code policy}, {@code rows}, {@code left-out} and one {@code r:RECORD} per row, holding
 * its count.
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

    private final RedisReportRows<Period> rows;
    private final Runnable closer;

    RedisDmarcReportStore(RedisConnections redis, String prefix, Runnable closer) {
        this.rows = new RedisReportRows<>(redis, prefix + "dmarc-periods", prefix + "dmarc:", EmbeddedDmarcReportStore::key,
                EmbeddedDmarcReportStore::period);
        this.closer = closer;
    }

    @Override
    public Added add(Period period, String policy, String record, int maxRows) {
        return Added.valueOf(rows.add(ADD, period, policy, "r:" + record, maxRows).name());
    }

    @Override
    public List<Period> ended(Instant now) {
        return rows.ended(now);
    }

    @Override
    public Optional<Taken> take(Period period) {
        return rows.take(period).flatMap(fields -> {
            Map<String, Long> counts = new HashMap<>();
            fields.forEach((field, count) -> {
                if (field.startsWith("r:")) counts.put(field.substring(2), Long.parseLong(count));
            });
            String policy = fields.get("policy");
            if (policy == null || counts.isEmpty()) return Optional.empty(); // expired under us
            return Optional.of(new Taken(period, policy, counts, RedisReportRows.leftOut(fields)));
        });
    }

    /** Closes the connections, and with them the other stores that share them. */
    @Override
    public void close() {
        closer.run();
    }
}
