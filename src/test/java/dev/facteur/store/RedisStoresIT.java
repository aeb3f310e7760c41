package dev.facteur.store;

import static dev.facteur.store.GreylistStoreContract.together;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.facteur.store.GreylistStore.Seen;
import dev.facteur.store.GreylistStore.Timing;
import dev.facteur.testing.RedisServer;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * Redis as the store of several nodes: they share its state, every operation is atomic across
 * them, the rules go by the callers' time, and a Redis that dies or hangs costs a caller at most
 * the timeout, {@link StoreUnavailable}, until it is back.
 */
class RedisStoresIT {

    private static final Timing TIMING = new Timing(Duration.ofMinutes(5), Duration.ofHours(4), Duration.ofDays(35));
    private static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");
    private static final Duration MINUTE = Duration.ofMinutes(1);
    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    private RedisServer redis;

    @AfterEach
    void stopRedis() {
        if (redis != null) redis.close();
    }

    private Stores node(String prefix) {
        return Stores.redis(redis.uri(), prefix, TIMEOUT);
    }

    @Test
    void twoNodesOnOneRedisShareTheirRecordsAndCounters() throws Exception {
        redis = RedisServer.start(null);
        try (Stores a = node("facteur:"); Stores b = node("facteur:")) {
            assertThat(a.greylist().attempt("t", T0, TIMING)).isEqualTo(Seen.FIRST);
            assertThat(b.greylist().attempt("t", T0.plus(Duration.ofMinutes(6)), TIMING)).as("the retry reached the other node")
                    .isEqualTo(Seen.RETRIED);
            assertThat(a.greylist().attempt("t", T0.plus(Duration.ofMinutes(7)), TIMING)).isEqualTo(Seen.KNOWN);
            b.greylist().retried("client", T0, TIMING);
            assertThat(a.greylist().retried("client", T0, TIMING)).isEqualTo(2);
            a.rates().add("conn:x", 3, T0, MINUTE);
            assertThat(b.rates().add("conn:x", 2, T0, MINUTE)).isEqualTo(5);
        }
    }

    @Test
    void attemptsFromTwoNodesAtOnceFindExactlyOneFirstAndAddsCountExactly() throws Exception {
        redis = RedisServer.start(null);
        try (Stores a = node("facteur:"); Stores b = node("facteur:")) {
            List<Seen> seen = together(200, () -> (Thread.currentThread().threadId() % 2 == 0 ? a : b).greylist().attempt("t", T0, TIMING));
            assertThat(seen).filteredOn(s -> s == Seen.FIRST).hasSize(1);
            together(200, () -> (Thread.currentThread().threadId() % 2 == 0 ? a : b).rates().add("conn:x", 1, T0, MINUTE));
            assertThat(a.rates().count("conn:x", T0, MINUTE)).isEqualTo(200);
        }
    }

    @Test
    void everyKeyStartsWithThePrefixAndPrefixesKeepClustersApart() throws Exception {
        redis = RedisServer.start(null);
        try (Stores one = node("one:"); Stores two = node("two:"); Jedis j = new Jedis(redis.host(), redis.port())) {
            one.greylist().attempt("t", T0, TIMING);
            one.greylist().retried("client", T0, TIMING);
            one.rates().add("conn:x", 1, T0, MINUTE);
            assertThat(two.greylist().attempt("t", T0.plus(Duration.ofMinutes(6)), TIMING)).isEqualTo(Seen.FIRST);
            assertThat(two.rates().count("conn:x", T0, MINUTE)).isZero();
            assertThat(j.keys("*")).containsExactlyInAnyOrder("one:grey:t", "one:grey-client:client", "one:rate:60000:conn:x", "two:grey:t");
        }
    }

    @Test
    void thePasswordAndDatabaseComeFromTheUri() throws Exception {
        redis = RedisServer.start("s3cret");
        try (Stores s = Stores.redis(redis.uri(3), "facteur:", TIMEOUT); Jedis j = new Jedis(redis.host(), redis.port())) {
            s.greylist().attempt("t", T0, TIMING);
            j.auth("s3cret");
            j.select(3);
            assertThat(j.exists("facteur:grey:t")).isTrue();
            j.select(0);
            assertThat(j.dbSize()).isZero();
        }
        var wrong = redis.uri().toString().replace("s3cret", "n0t-1t");
        try (Stores s = Stores.redis(URI.create(wrong), "facteur:", TIMEOUT)) {
            assertThatThrownBy(() -> s.greylist().attempt("t", T0, TIMING)).isInstanceOf(StoreUnavailable.class)
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("n0t-1t"));
        }
    }

    @Test
    void theRulesGoByTheCallersTimeAndTtlsOnlyCollectWhatTheyNoLongerRead() throws Exception {
        redis = RedisServer.start(null);
        Instant past = Instant.parse("2001-03-04T05:06:07Z"); // Redis's clock says otherwise: it must not matter
        try (Stores s = node("facteur:"); Jedis j = new Jedis(redis.host(), redis.port())) {
            assertThat(s.greylist().attempt("t", past, TIMING)).isEqualTo(Seen.FIRST);
            long waiting = j.pttl("facteur:grey:t");
            assertThat(waiting).as("a first attempt lives the window, and a margin").isBetween(TIMING.window().toMillis(),
                    TIMING.window().plus(RedisGreylistStore.KEEP).toMillis());
            assertThat(s.greylist().attempt("t", past.plus(Duration.ofMinutes(6)), TIMING)).isEqualTo(Seen.RETRIED);
            assertThat(j.pttl("facteur:grey:t")).as("a triplet that passed lives its lifetime, and a margin")
                    .isBetween(TIMING.lifetime().toMillis(), TIMING.lifetime().plus(RedisGreylistStore.KEEP).toMillis());
            s.greylist().retried("client", past, TIMING);
            assertThat(j.pttl("facteur:grey-client:client")).isBetween(TIMING.lifetime().toMillis(),
                    TIMING.lifetime().plus(RedisGreylistStore.KEEP).toMillis());
            s.rates().add("conn:x", 4, past, MINUTE);
            assertThat(s.rates().count("conn:x", past, MINUTE)).isEqualTo(4);
            assertThat(j.pttl("facteur:rate:60000:conn:x")).as("two windows, and a margin")
                    .isBetween(2 * MINUTE.toMillis(), MINUTE.multipliedBy(2).plus(RedisGreylistStore.KEEP).toMillis());
        }
    }

    @Test
    void aRateCounterKeepsOnlyTheCurrentAndPreviousWindows() throws Exception {
        redis = RedisServer.start(null);
        try (Stores s = node("facteur:"); Jedis j = new Jedis(redis.host(), redis.port())) {
            for (int m = 0; m < 10; m++) s.rates().add("conn:x", 1, T0.plus(MINUTE.multipliedBy(m)), MINUTE);
            long last = T0.plus(MINUTE.multipliedBy(9)).toEpochMilli() / MINUTE.toMillis();
            assertThat(j.hkeys("facteur:rate:60000:conn:x")).isEqualTo(Set.of(Long.toString(last - 1), Long.toString(last)));
        }
    }

    @Test
    void scriptsRedisHasForgottenAreSentAgain() throws Exception {
        redis = RedisServer.start(null);
        try (Stores s = node("facteur:"); Jedis j = new Jedis(redis.host(), redis.port())) {
            s.greylist().attempt("t", T0, TIMING);
            j.scriptFlush();
            assertThat(s.greylist().attempt("t", T0.plus(Duration.ofMinutes(6)), TIMING)).isEqualTo(Seen.RETRIED);
        }
    }

    @Test
    void aKilledRedisIsUnavailableAndTheStoresWorkAgainOnceItIsBack() throws Exception {
        redis = RedisServer.start(null);
        try (Stores s = node("facteur:")) {
            assertThat(s.greylist().attempt("t", T0, TIMING)).isEqualTo(Seen.FIRST);
            redis.kill();
            assertThatThrownBy(() -> s.greylist().attempt("t", T0, TIMING)).isInstanceOf(StoreUnavailable.class);
            assertThatThrownBy(() -> s.rates().add("conn:x", 1, T0, MINUTE)).isInstanceOf(StoreUnavailable.class);
            redis.startAgain(); // empty: it kept nothing
            assertThat(s.greylist().attempt("t", T0, TIMING)).as("the first call after the restart").isEqualTo(Seen.FIRST);
            assertThat(s.rates().add("conn:x", 1, T0, MINUTE)).isEqualTo(1);
        }
    }

    @Test
    void aRestartedRedisCostsNoCallAnError() throws Exception {
        redis = RedisServer.start(null);
        try (Stores s = node("facteur:")) {
            together(20, () -> s.rates().add("conn:x", 1, T0, MINUTE)); // several idle connections, all closed by the restart
            redis.stop();
            redis.startAgain();
            List<Long> after = together(20, () -> s.rates().add("conn:x", 1, T0, MINUTE));
            assertThat(after).hasSize(20);
            assertThat(s.rates().count("conn:x", T0, MINUTE)).isEqualTo(20);
        }
    }

    /**
     * The timeout is what is checked: a hung Redis must cost each caller the configured timeout,
     * not a multiple of it (waiting for a connection, then connecting, then the reply), nor
     * forever. Twice the timeout leaves this busy machine a whole timeout of slack.
     */
    @Test
    void aHungRedisCostsEachCallerAtMostTheTimeoutAndItWorksAgainOnceItAnswers() throws Exception {
        redis = RedisServer.start(null);
        try (Stores s = node("facteur:")) {
            s.greylist().attempt("warm", T0, TIMING);
            redis.pause();
            List<Long> took = together(RedisConnections.MAX_CONNECTIONS * 2, () -> {
                long start = System.nanoTime();
                assertThatThrownBy(() -> s.rates().add("conn:x", 1, T0, MINUTE)).isInstanceOf(StoreUnavailable.class);
                return Duration.ofNanos(System.nanoTime() - start).toMillis();
            });
            assertThat(took).allMatch(ms -> ms < 2 * TIMEOUT.toMillis(), "each under twice the timeout");
            redis.resume();
            assertThat(s.greylist().attempt("t", T0, TIMING)).isEqualTo(Seen.FIRST);
        }
    }
}
