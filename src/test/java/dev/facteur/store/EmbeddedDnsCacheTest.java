package dev.facteur.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded cache holds to the contract, keeps its answers across a restart, and sweeps the dead ones. */
class EmbeddedDnsCacheTest extends DnsCacheContract {

    @TempDir
    Path dir;

    @Override
    protected DnsCache open() {
        return Stores.embedded(dir).dns();
    }

    @Test
    void answersSurviveARestart() {
        cache.put("a:2.0.0.127.bl.test", "A 127.0.0.2", T0, Duration.ofMinutes(10));
        cache.close();
        cache = Stores.embedded(dir).dns();
        assertThat(cache.get("a:2.0.0.127.bl.test", T0.plusSeconds(1))).isEqualTo("A 127.0.0.2");
    }

    @Test
    void theSweepRemovesDeadAnswersOnly() {
        cache.close();
        try (EmbeddedFile file = EmbeddedFile.open(dir)) {
            var c = new EmbeddedDnsCache(file, file::close);
            c.put("a:short", "NX", T0, Duration.ofSeconds(60));
            c.put("a:long", "NX", T0, Duration.ofHours(1));
            file.sweep(T0.plusSeconds(120).toEpochMilli());
            assertThat(file.dns.keySet()).containsExactly("a:long");
        }
        cache = null;
    }
}
