package dev.facteur.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.shaping.Adaptive;
import dev.facteur.shaping.Lease;
import dev.facteur.shaping.Permit;
import dev.facteur.shaping.Shaper;
import dev.facteur.shaping.Site;
import dev.facteur.shaping.SiteLimits;
import dev.facteur.shaping.Sites;
import dev.facteur.shaping.Wait;
import dev.facteur.testing.ManualClock;
import dev.facteur.testing.SharedRedis;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;

/**
 * The Redis store holds to the contract, on a real redis-server; each test has a key prefix of its
 * own. Several nodes on one Redis share one budget per site, its leases and what it taught, and
 * every key the store writes goes away by itself once nobody uses it.
 */
class RedisShapingStoreIT extends ShapingStoreContract {

    @RegisterExtension
    static final SharedRedis redis = new SharedRedis();
    private static final AtomicInteger TESTS = new AtomicInteger();

    @Override
    protected ShapingStore open() {
        return node(newPrefix()).shaping();
    }

    private static String newPrefix() {
        return "test" + TESTS.incrementAndGet() + ":";
    }

    private static Stores node(String prefix) {
        return Stores.redis(redis.uri(), prefix, Duration.ofSeconds(10));
    }

    @Test
    void severalNodesShareOneBudget() {
        String prefix = newPrefix();
        try (Stores a = node(prefix); Stores b = node(prefix)) {
            assertThat(a.shaping().take(KEY, 1000, 1000, T0)).isZero();
            assertThat(b.shaping().take(KEY, 1000, 1000, T0)).isZero();
            assertThat(a.shaping().take(KEY, 1000, 1000, T0)).as("the burst of two was taken by both").isEqualTo(1000);
            assertThat(b.shaping().taken(KEY, T0)).isEqualTo(2);
            b.shaping().giveBack(KEY, 1000, T0);
            assertThat(a.shaping().take(KEY, 1000, 1000, T0)).as("what the other gave back").isZero();
        }
    }

    @Test
    void severalNodesShareTheLeases() {
        String prefix = newPrefix();
        try (Stores a = node(prefix); Stores b = node(prefix)) {
            assertThat(a.shaping().lease("c:google.com", "a-1", 2, T0, 60_000)).isTrue();
            assertThat(b.shaping().lease("c:google.com", "b-1", 2, T0, 60_000)).isTrue();
            assertThat(a.shaping().lease("c:google.com", "a-2", 2, T0, 60_000)).as("two connections between them").isFalse();
            a.shaping().release("c:google.com", "a-1");
            assertThat(b.shaping().lease("c:google.com", "b-2", 2, T0, 60_000)).isTrue();
        }
    }

    @Test
    void severalNodesShareTheValues() {
        String prefix = newPrefix();
        try (Stores a = node(prefix); Stores b = node(prefix)) {
            assertThat(a.shaping().replace("s:google.com", null, "one", 60_000)).isTrue();
            assertThat(b.shaping().get("s:google.com")).isEqualTo("one");
            assertThat(b.shaping().replace("s:google.com", null, "two", 60_000)).as("b saw nothing, but a had set it").isFalse();
            assertThat(b.shaping().replace("s:google.com", "one", "two", 60_000)).isTrue();
            assertThat(a.shaping().replace("s:google.com", "one", "three", 60_000)).as("a's copy is stale").isFalse();
            assertThat(a.shaping().get("s:google.com")).isEqualTo("two");
        }
    }

    @Test
    void whatOneNodesShaperLearntHoldsForTheOthers() {
        String prefix = newPrefix();
        var clock = ManualClock.stopped();
        var sites = new Sites(List.of(), SiteLimits.DEFAULTS, Optional::of);
        var site = new Site("google.com", new SiteLimits(4, 100, 50, 600, 0, Duration.ZERO));
        try (Stores a = node(prefix); Stores b = node(prefix)) {
            var one = new Shaper(sites, Adaptive.DEFAULTS, a.shaping(), clock);
            var two = new Shaper(sites, Adaptive.DEFAULTS, b.shaping(), clock);
            var permit = (Permit) one.admit(site);
            assertThat(one.admit(site)).isInstanceOf(Permit.class);
            assertThat(two.admit(site)).isInstanceOf(Permit.class);
            assertThat(two.admit(site)).isInstanceOf(Permit.class);
            assertThat(two.admit(site)).as("a burst of four connections' worth, between them").isInstanceOf(Wait.class);
            one.slowDown(permit, "421 4.7.28 unusual rate");
            assertThat(two.state(site).perMinute()).isEqualTo(300);
            assertThat(two.open(site)).isInstanceOf(Lease.class);
            assertThat(one.open(site)).isInstanceOf(Lease.class);
            assertThat(two.open(site)).as("two connections since the slow-down, on both nodes together").isInstanceOf(Wait.class);
        }
    }

    @Test
    void everyKeyTheStoreWritesExpires() {
        String prefix = newPrefix();
        try (Stores s = node(prefix); Jedis j = new Jedis(redis.host(), redis.port())) {
            ShapingStore store = s.shaping();
            store.take("m:google.com", 1000, 0, T0);
            store.take("h:google.com", 0, 0, T0);
            store.giveBack("m:outlook.com", 1000, T0); // a permit handed out while the store failed, given back
            store.lease("c:google.com", "a", 2, T0, 60_000);
            store.replace("s:google.com", null, "v", 60_000);
            var keys = j.keys(prefix + "*");
            assertThat(keys).isNotEmpty();
            for (String key : keys) assertThat(j.pttl(key)).as(key).isPositive();
        }
    }
}
