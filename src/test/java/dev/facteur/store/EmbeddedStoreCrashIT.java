package dev.facteur.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.store.GreylistStore.Seen;
import dev.facteur.store.GreylistStore.Timing;
import dev.facteur.testing.Daemon;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A Facteur killed with {@code kill -9} while its embedded store is busy writing: the file opens
 * again as it is, not as damaged; what was written before a close is all there; and of the
 * updates made since, what survives is a beginning of them in their order, never a later one
 * without an earlier one (MVStore writes whole versions), so a crash only loses the last ones.
 */
class EmbeddedStoreCrashIT {

    private static final Timing TIMING = new Timing(Duration.ofMinutes(5), Duration.ofHours(4), Duration.ofDays(35));
    private static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");
    private static final int CLOSED = 1000;
    private static final int WRITTEN_BEFORE_KILL = 3000;

    @TempDir
    Path dir;

    /** The process to kill: writes triplets a0..a999 and closes, opens again and writes b0, b1... (one a millisecond) until killed. */
    public static final class Writer {
        public static void main(String[] args) throws InterruptedException {
            Path dir = Path.of(args[0]);
            try (Stores s = Stores.embedded(dir)) {
                for (int i = 0; i < CLOSED; i++) s.greylist().attempt("a" + i, T0, TIMING);
            }
            Stores s = Stores.embedded(dir);
            long start = System.nanoTime();
            for (int i = 0; ; i++) {
                s.greylist().attempt("b" + i, T0, TIMING);
                Thread.sleep(1); // a steady trickle, as mail comes, rather than a burst that fills MVStore's buffer
                if (i % 100 == 0) System.out.println("written b" + i + " at " + (System.nanoTime() - start) / 1_000_000 + " ms");
            }
        }
    }

    @Test
    void afterAKillMidWriteTheFileOpensWithEverythingClosedAndABeginningOfTheRest() throws Exception {
        var java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Daemon writer = Daemon.start("store writer", List.of(java, "-cp", System.getProperty("java.class.path"), Writer.class.getName(),
                dir.toString()), dir.resolve("writer.log"), self -> self.log().contains("written b" + WRITTEN_BEFORE_KILL + " "));
        writer.kill();
        Matcher m = Pattern.compile("written b(\\d+) at (\\d+) ms").matcher(writer.log());
        var when = new TreeMap<Integer, Long>(); // b number -> ms after the reopening, every 100th
        while (m.find()) when.put(Integer.parseInt(m.group(1)), Long.parseLong(m.group(2)));
        int printed = when.lastKey();

        try (Stores s = Stores.embedded(dir)) {
            try (Stream<Path> files = Files.list(dir)) {
                assertThat(files.map(p -> p.getFileName().toString())).as("nothing moved aside").noneMatch(n -> n.contains("damaged"));
            }
            Instant later = T0.plus(Duration.ofMinutes(1));
            for (int i = 0; i < CLOSED; i++) assertThat(s.greylist().peek("a" + i, later, TIMING)).as("a" + i).isEqualTo(Seen.TOO_EARLY);
            int kept = 0;
            while (s.greylist().peek("b" + kept, later, TIMING) == Seen.TOO_EARLY) kept++;
            for (int i = kept; i <= printed + 100; i++)
                assertThat(s.greylist().peek("b" + i, later, TIMING)).as("b%d kept while b%d was lost", i, kept).isEqualTo(Seen.FIRST);
            var lastKept = when.floorEntry(Math.max(kept - 1, 0));
            LoggerFactory.getLogger(getClass()).info(
                    "killed after b{} was written ({} ms after the reopening); b0..b{} kept: about the last {} ms lost",
                    printed, when.get(printed), kept - 1, when.get(printed) - (kept == 0 ? 0 : lastKept.getValue()));
        }
    }
}
