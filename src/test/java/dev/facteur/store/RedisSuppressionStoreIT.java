package dev.facteur.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.store.SuppressionStore.Entry;
import dev.facteur.store.SuppressionStore.Reason;
import dev.facteur.testing.SharedRedis;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;

/**
 * The Redis suppression list holds to the contract, on a real redis-server (each test has a key
 * prefix of its own), and is the list of every node that shares it: what one adds, another finds,
 * lists, counts and removes.
 */
class RedisSuppressionStoreIT extends SuppressionStoreContract {

    @RegisterExtension
    static final SharedRedis redis = new SharedRedis();
    private static final AtomicInteger TESTS = new AtomicInteger();
    private String prefix;

    @Override
    protected SuppressionStore open() {
        prefix = "test" + TESTS.incrementAndGet() + ":";
        return node();
    }

    private SuppressionStore node() {
        return Stores.redis(redis.uri(), prefix, Duration.ofSeconds(10)).suppressions();
    }

    @Test
    void twoNodesOnOneRedisSeeEachOthersEntries() {
        try (SuppressionStore other = node()) {
            Entry e = entry("example.com", ALICE, Reason.HARD_BOUNCE, YEAR);
            other.put(e);
            assertThat(store.find(ALICE, "example.com", T0)).contains(e);
            assertThat(store.list(Optional.empty(), "", 10, T0).entries()).containsExactly(e);
            assertThat(store.count("example.com", T0)).containsEntry(Reason.HARD_BOUNCE, 1L);
            other.softBounce("example.com", ALICE, T0, WEEK);
            assertThat(store.softBounce("example.com", ALICE, T0, WEEK)).isEqualTo(2);
            assertThat(store.remove("example.com", ALICE, T0)).contains(e);
            assertThat(other.find(ALICE, "example.com", T0)).isEmpty();
        }
    }

    @Test
    void everyKeyStartsWithThePrefixAndOnlyExpiringEntriesHaveATimeToLive() {
        store.put(entry("example.com", ALICE, Reason.HARD_BOUNCE, YEAR));
        store.put(entry("example.com", mailbox("carol@example.org"), Reason.COMPLAINT, null));
        store.softBounce("example.com", ALICE, T0, WEEK);
        try (Jedis j = new Jedis(redis.host(), redis.port())) {
            assertThat(j.keys("*")).filteredOn(k -> !k.startsWith("test")).isEmpty();
            assertThat(j.keys(prefix + "*")).containsExactlyInAnyOrder(prefix + "supp:example.com|alice@example.org",
                    prefix + "supp:example.com|carol@example.org", prefix + "supp-index", prefix + "supp-expiry:example.com|hard-bounce",
                    prefix + "supp-expiry:example.com|complaint", prefix + "supp-address:alice@example.org",
                    prefix + "supp-address:carol@example.org", prefix + "supp-soft:example.com|alice@example.org");
            assertThat(j.pttl(prefix + "supp:example.com|alice@example.org")).as("a year from its creation, and a margin")
                    .isBetween(YEAR.toMillis(), YEAR.plus(RedisGreylistStore.KEEP).toMillis());
            assertThat(j.pttl(prefix + "supp:example.com|carol@example.org")).as("never expires").isEqualTo(-1);
            assertThat(j.pttl(prefix + "supp-address:carol@example.org")).isEqualTo(-1);
            assertThat(j.pttl(prefix + "supp-soft:example.com|alice@example.org")).isBetween(WEEK.toMillis(),
                    WEEK.plus(RedisGreylistStore.KEEP).toMillis());
        }
    }

    @Test
    void theIndexesForgetEntriesLongExpiredWhenTheScopeIsWrittenTo() {
        store.put(entry("example.com", ALICE, Reason.SOFT_BOUNCES, WEEK));
        var later = new Entry("example.com", mailbox("bob@example.org"), Reason.HARD_BOUNCE, "",
                T0.plus(WEEK).plus(RedisGreylistStore.KEEP).plusMillis(1), Optional.empty());
        store.put(later);
        try (Jedis j = new Jedis(redis.host(), redis.port())) {
            assertThat(j.zrange(prefix + "supp-expiry:example.com|soft-bounces", 0, -1)).isEmpty();
            assertThat(j.zrange(prefix + "supp-index", 0, -1)).containsExactly("example.com|bob@example.org");
            assertThat(j.exists(prefix + "supp-address:alice@example.org")).isFalse();
        }
    }
}
