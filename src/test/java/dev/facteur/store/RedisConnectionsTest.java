package dev.facteur.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.facteur.store.GreylistStore.Timing;
import dev.facteur.testing.Loopback;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Reaching Redis, without one: what is refused at once, and that a Redis that never answers is unavailable rather than a hang. */
class RedisConnectionsTest {

    private static final Timing TIMING = new Timing(Duration.ofMinutes(5), Duration.ofHours(4), Duration.ofDays(35));
    private static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");

    @Test
    void onlyRedisUrisAndAPositiveTimeout() {
        assertThatThrownBy(() -> Stores.redis(URI.create("http://127.0.0.1:6379/0"), "facteur:", Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Stores.redis(URI.create("redis://127.0.0.1:6379/0"), "facteur:", Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
        Stores.redis(URI.create("rediss://:pw@127.0.0.1:6380/2"), "facteur:", Duration.ofSeconds(1)).close(); // connects to nothing yet
    }

    @Test
    void aRedisNobodyRunsIsUnavailableAndThePasswordStaysOutOfTheMessage() {
        try (Stores s = Stores.redis(URI.create("redis://:hush-hush@" + Loopback.host() + ":6379/0"), "facteur:", Duration.ofSeconds(5))) {
            assertThatThrownBy(() -> s.greylist().attempt("t", T0, TIMING)).isInstanceOf(StoreUnavailable.class)
                    .satisfies(e -> assertThat(e.getMessage()).contains("Redis at").doesNotContain("hush-hush"));
            assertThat(s.toString()).doesNotContain("hush-hush");
        }
    }

    @Test
    void aServerThatNeverAnswersIsUnavailableAfterTheTimeout() throws Exception {
        List<Socket> accepted = new ArrayList<>();
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getByName(Loopback.host()))) {
            Thread.ofVirtual().start(() -> {
                try {
                    while (true) accepted.add(silent.accept()); // and never a byte back
                } catch (Exception closed) {
                    // the test is over
                }
            });
            URI uri = URI.create("redis://" + silent.getInetAddress().getHostAddress() + ":" + silent.getLocalPort() + "/0");
            try (Stores s = Stores.redis(uri, "facteur:", Duration.ofMillis(300))) {
                assertThatThrownBy(() -> s.rates().add("conn:x", 1, T0, Duration.ofMinutes(1))).isInstanceOf(StoreUnavailable.class);
            }
        } finally {
            for (Socket c : accepted) c.close();
        }
    }

    @Test
    void closedStoresAreUnavailable() {
        Stores s = Stores.redis(URI.create("redis://" + Loopback.host() + ":6379/0"), "facteur:", Duration.ofSeconds(1));
        s.greylist().close();
        assertThatThrownBy(() -> s.rates().count("conn:x", T0, Duration.ofMinutes(1))).isInstanceOf(StoreUnavailable.class)
                .hasMessageContaining("closed");
    }
}
