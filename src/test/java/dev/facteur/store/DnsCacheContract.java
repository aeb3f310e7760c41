package dev.facteur.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What every {@link DnsCache} does: an answer is there for its time to live, by the callers' clock, and then gone. */
public abstract class DnsCacheContract {

    protected static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

    protected DnsCache cache;

    /** A new cache, empty, that no other test sees. */
    protected abstract DnsCache open() throws Exception;

    @BeforeEach
    void openCache() throws Exception {
        cache = open();
    }

    @AfterEach
    void closeCache() {
        if (cache != null) cache.close();
    }

    @Test
    void anAnswerIsThereUntilItsTimeToLiveHasPassed() {
        assertThat(cache.get("a:2.0.0.127.bl.test", T0)).isNull();
        cache.put("a:2.0.0.127.bl.test", "A 127.0.0.2", T0, Duration.ofSeconds(60));
        assertThat(cache.get("a:2.0.0.127.bl.test", T0.plusSeconds(60))).isEqualTo("A 127.0.0.2");
        assertThat(cache.get("a:2.0.0.127.bl.test", T0.plusSeconds(61))).isNull();
    }

    @Test
    void aNewAnswerReplacesTheOldOneAndItsTimeToLive() {
        cache.put("ptr:192.0.2.7", "NX", T0, Duration.ofSeconds(60));
        cache.put("ptr:192.0.2.7", "PTR mta.example.test", T0.plusSeconds(30), Duration.ofHours(1));
        assertThat(cache.get("ptr:192.0.2.7", T0.plusSeconds(3000))).isEqualTo("PTR mta.example.test");
    }

    @Test
    void keysAreApartAndAnswersComeBackAsTheyWent() {
        String odd = "A ::1,127.0.0.2 é | 1";
        cache.put("a:x", odd, T0, Duration.ofMinutes(5));
        cache.put("a:y", "NODATA", T0, Duration.ofMinutes(5));
        assertThat(cache.get("a:x", T0)).isEqualTo(odd);
        assertThat(cache.get("a:y", T0)).isEqualTo("NODATA");
        assertThat(cache.get("a:z", T0)).isNull();
    }
}
