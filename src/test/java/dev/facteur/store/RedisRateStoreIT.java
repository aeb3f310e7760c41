package dev.facteur.store;

import dev.facteur.testing.SharedRedis;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The Redis store holds to the contract, on a real redis-server; each test has a key prefix of its own. */
class RedisRateStoreIT extends RateStoreContract {

    @RegisterExtension
    static final SharedRedis redis = new SharedRedis();
    private static final AtomicInteger TESTS = new AtomicInteger();

    @Override
    protected RateStore open() {
        return Stores.redis(redis.uri(), "test" + TESTS.incrementAndGet() + ":", Duration.ofSeconds(10)).rates();
    }
}
