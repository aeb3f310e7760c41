package dev.facteur.store;

import dev.facteur.testing.RedisServer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The Redis store of TLS report rows holds to the contract, on a real redis-server; each test has a key prefix of its own. */
class RedisTlsReportStoreIT extends TlsReportStoreContract {

    private static RedisServer redis;
    private static final AtomicInteger TESTS = new AtomicInteger();

    @BeforeAll
    static void startRedis() throws Exception {
        redis = RedisServer.start(null);
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    @Override
    protected TlsReportStore open() {
        return Stores.redis(redis.uri(), "test" + TESTS.incrementAndGet() + ":", Duration.ofSeconds(10)).tlsReports();
    }
}
