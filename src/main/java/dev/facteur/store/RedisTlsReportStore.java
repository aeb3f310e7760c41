package dev.facteur.store;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * TLS report rows in Redis, shared by every node that uses the same Redis and prefix, kept by
 * {@link RedisReportRows}. A day is a member {@code DATE|DOMAIN} of the sorted set
 * {@code PREFIX tls-report-days}, and a hash {@code PREFIX tls-report: DATE|DOMAIN} with fields
 * {@code rows}, {@code left-out}, and per row {@code c:ROW} (its count) and {@code n:ROW} (its
 * note).
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

    private final RedisReportRows<Day> rows;
    private final Runnable closer;

    RedisTlsReportStore(RedisConnections redis, String prefix, Runnable closer) {
        this.rows = new RedisReportRows<>(redis, prefix + "tls-report-days", prefix + "tls-report:", EmbeddedTlsReportStore::key,
                EmbeddedTlsReportStore::day);
        this.closer = closer;
    }

    @Override
    public Added add(Day day, String row, String note, int maxRows) {
        return Added.valueOf(rows.add(ADD, day, row, note, maxRows).name());
    }

    @Override
    public List<Day> ended(Instant now) {
        return rows.ended(now);
    }

    @Override
    public Optional<Taken> take(Day day) {
        return rows.take(day).flatMap(fields -> {
            Map<String, Row> taken = new HashMap<>();
            fields.forEach((field, count) -> {
                if (field.startsWith("c:")) {
                    String row = field.substring(2);
                    taken.put(row, new Row(Long.parseLong(count), fields.getOrDefault("n:" + row, "")));
                }
            });
            if (taken.isEmpty()) return Optional.empty(); // expired under us
            return Optional.of(new Taken(day, taken, RedisReportRows.leftOut(fields)));
        });
    }

    /** Closes the connections, and with them the other stores that share them. */
    @Override
    public void close() {
        closer.run();
    }
}
