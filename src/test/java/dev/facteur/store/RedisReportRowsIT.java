package dev.facteur.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.store.DmarcReportStore.Period;
import dev.facteur.store.TlsReportStore.Day;
import dev.facteur.store.TlsReportStore.Row;
import dev.facteur.testing.SharedRedis;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;

/**
 * How the report stores keep their periods in a Redis that nodes of different versions may share:
 * the keys, fields, scores and expiry, to the letter, and a period that an older node wrote is
 * taken as it was.
 */
class RedisReportRowsIT {

    private static final Instant DAY = Instant.parse("2026-11-28T00:00:00Z");
    private static final Period PERIOD = new Period("example.com", DAY, DAY.plus(Duration.ofDays(1)));
    private static final Day TLS_DAY = new Day("example.com", LocalDate.parse("2026-11-28"));
    private static final String MEMBER = "001795910400000|001795824000000|example.com";

    @RegisterExtension
    static final SharedRedis redis = new SharedRedis();

    @Test
    void aDmarcPeriodIsAMemberScoredByItsEndAndAHashThatExpiresAPeriodAndKeepAfterItsLastAdd() {
        try (Stores s = Stores.redis(redis.uri(), "d1:", Duration.ofSeconds(10)); Jedis j = new Jedis(redis.host(), redis.port())) {
            s.dmarcReports().add(PERIOD, "v=DMARC1; p=none", "a", 1);
            s.dmarcReports().add(PERIOD, "v=DMARC1; p=reject", "b", 1);
            s.dmarcReports().add(PERIOD, "v=DMARC1; p=reject", "a", 1);
            assertThat(j.keys("d1:*")).containsExactlyInAnyOrder("d1:dmarc-periods", "d1:dmarc:" + MEMBER);
            assertThat(j.zscore("d1:dmarc-periods", MEMBER)).isEqualTo(PERIOD.end().toEpochMilli());
            assertThat(j.hgetAll("d1:dmarc:" + MEMBER))
                    .isEqualTo(Map.of("policy", "v=DMARC1; p=reject", "rows", "1", "left-out", "1", "r:a", "2"));
            assertThat(j.pttl("d1:dmarc:" + MEMBER)).isBetween(Duration.ofDays(4).toMillis() - 60_000, Duration.ofDays(4).toMillis());
        }
    }

    @Test
    void aTlsDayIsAMemberScoredByItsEndAndAHashOfCountsAndNotes() {
        try (Stores s = Stores.redis(redis.uri(), "t1:", Duration.ofSeconds(10)); Jedis j = new Jedis(redis.host(), redis.port())) {
            s.tlsReports().add(TLS_DAY, "a", "first", 1);
            s.tlsReports().add(TLS_DAY, "b", "", 1);
            s.tlsReports().add(TLS_DAY, "a", "last note", 1);
            assertThat(j.keys("t1:*")).containsExactlyInAnyOrder("t1:tls-report-days", "t1:tls-report:2026-11-28|example.com");
            assertThat(j.zscore("t1:tls-report-days", "2026-11-28|example.com")).isEqualTo(TLS_DAY.end().toEpochMilli());
            assertThat(j.hgetAll("t1:tls-report:2026-11-28|example.com"))
                    .isEqualTo(Map.of("rows", "1", "left-out", "1", "c:a", "2", "n:a", "last note"));
            assertThat(j.pttl("t1:tls-report:2026-11-28|example.com"))
                    .isBetween(Duration.ofDays(4).toMillis() - 60_000, Duration.ofDays(4).toMillis());
        }
    }

    @Test
    void whatAnOlderNodeWroteIsTakenAsItWas() {
        try (Stores s = Stores.redis(redis.uri(), "o1:", Duration.ofSeconds(10)); Jedis j = new Jedis(redis.host(), redis.port())) {
            j.zadd("o1:dmarc-periods", PERIOD.end().toEpochMilli(), MEMBER);
            j.hset("o1:dmarc:" + MEMBER, Map.of("policy", "v=DMARC1; p=none", "rows", "1", "left-out", "3", "r:a", "5"));
            j.zadd("o1:tls-report-days", TLS_DAY.end().toEpochMilli(), "2026-11-28|example.com");
            j.hset("o1:tls-report:2026-11-28|example.com", Map.of("rows", "1", "c:a", "2", "n:a", "why"));
            assertThat(s.dmarcReports().ended(PERIOD.end())).containsExactly(PERIOD);
            var dmarc = s.dmarcReports().take(PERIOD).orElseThrow();
            assertThat(dmarc.policy()).isEqualTo("v=DMARC1; p=none");
            assertThat(dmarc.rows()).isEqualTo(Map.of("a", 5L));
            assertThat(dmarc.leftOut()).isEqualTo(3);
            assertThat(s.tlsReports().ended(TLS_DAY.end())).containsExactly(TLS_DAY);
            var tls = s.tlsReports().take(TLS_DAY).orElseThrow();
            assertThat(tls.rows()).isEqualTo(Map.of("a", new Row(2, "why")));
            assertThat(tls.leftOut()).isZero();
            assertThat(j.keys("o1:*")).isEmpty();
        }
    }
}
