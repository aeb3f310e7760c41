package dev.facteur.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.store.GreylistStore.Seen;
import dev.facteur.store.GreylistStore.Timing;
import dev.facteur.testing.Patience;
import dev.facteur.testing.Tmpfs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded store on a real file system that fills up (a 4 MB tmpfs): writing fails, and the
 * checks hear {@link StoreUnavailable} (they give their configured verdict) rather than an
 * error of MVStore's; with room again, the file opens as it was, not as damaged.
 */
class EmbeddedFullDiskIT {

    private static final Timing TIMING = new Timing(Duration.ofMinutes(5), Duration.ofHours(4), Duration.ofDays(35));
    private static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");

    @TempDir
    Path dir;

    @Test
    void aFullDiskMakesTheStoreUnavailableAndWithRoomAgainTheFileOpensAsItWas() throws Exception {
        try (Tmpfs fs = Tmpfs.mount(dir.resolve("tmpfs"), "4m")) {
            Path at = fs.path().resolve("policy");
            try (Stores s = Stores.embedded(at)) {
                s.greylist().attempt("before", T0, TIMING);
            }
            Stores s = Stores.embedded(at);
            Path filler = fs.fill();
            var n = new AtomicInteger();
            Patience.await("a write that fails").until(() -> {
                try {
                    for (int i = 0; i < 1000; i++) s.greylist().attempt("t" + n.incrementAndGet(), T0, TIMING);
                    return false;
                } catch (StoreUnavailable e) {
                    return true;
                }
            });
            Files.delete(filler);
            s.close();
            try (Stores again = Stores.embedded(at); Stream<Path> files = Files.list(at)) {
                assertThat(files.map(p -> p.getFileName().toString())).as("nothing moved aside").noneMatch(f -> f.contains("damaged"));
                assertThat(again.greylist().peek("before", T0.plusSeconds(60), TIMING)).isEqualTo(Seen.TOO_EARLY);
                assertThat(again.greylist().attempt("after", T0, TIMING)).isEqualTo(Seen.FIRST);
            }
        }
    }
}
