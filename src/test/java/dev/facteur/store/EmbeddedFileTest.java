package dev.facteur.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.facteur.store.GreylistStore.Seen;
import dev.facteur.store.GreylistStore.Timing;
import dev.facteur.testing.LogCapture;
import dev.facteur.testing.Patience;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded stores' file: what survives a restart, what a damaged file does to the start (it
 * never stops it), that only one process uses a file, and that dead records go.
 */
class EmbeddedFileTest {

    private static final Timing TIMING = new Timing(Duration.ofMinutes(5), Duration.ofHours(4), Duration.ofDays(35));
    private static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");
    private static final Duration MINUTE = Duration.ofMinutes(1);

    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve(EmbeddedFile.NAME);
    }

    private List<Path> damaged() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith(EmbeddedFile.NAME + ".damaged-")).toList();
        }
    }

    /** A triplet seen once, a client with a retry, 5 events: what each test looks for after reopening. */
    private static void write(Stores s) {
        s.greylist().attempt("a", T0, TIMING);
        s.greylist().retried("client", T0, TIMING);
        s.rates().add("conn:x", 5, T0, MINUTE);
    }

    private static void assertWritten(Stores s) {
        assertThat(s.greylist().peek("a", T0.plus(MINUTE), TIMING)).as("the triplet").isEqualTo(Seen.TOO_EARLY);
        assertThat(s.greylist().retries("client", T0, TIMING)).as("the client's retries").isEqualTo(1);
        assertThat(s.rates().count("conn:x", T0, MINUTE)).as("the events").isEqualTo(5);
    }

    private static void assertEmpty(Stores s) {
        assertThat(s.greylist().peek("a", T0.plus(MINUTE), TIMING)).isEqualTo(Seen.FIRST);
        assertThat(s.greylist().retries("client", T0, TIMING)).isZero();
        assertThat(s.rates().count("conn:x", T0, MINUTE)).isZero();
    }

    @Test
    void everythingSurvivesCloseAndReopen() {
        try (Stores s = Stores.embedded(dir)) {
            write(s);
        }
        try (Stores s = Stores.embedded(dir)) {
            assertWritten(s);
        }
    }

    @Test
    void aFileOfGarbageIsMovedAsideAndTheStoreStartsEmpty() throws Exception {
        byte[] garbage = new byte[64 * 1024];
        new Random(7).nextBytes(garbage);
        Files.write(file(), garbage);
        try (LogCapture log = LogCapture.attach("facteur.store"); Stores s = Stores.embedded(dir)) {
            assertEmpty(s);
            write(s);
            assertThat(log.errors()).singleElement().asString().contains("is damaged").contains("starting empty");
        }
        assertThat(damaged()).singleElement().satisfies(p -> assertThat(Files.readAllBytes(p)).as("kept as it was").isEqualTo(garbage));
        try (Stores s = Stores.embedded(dir)) {
            assertWritten(s);
        }
    }

    @Test
    void aFileCutShortOpensWithWhatIsReadable() throws Exception {
        try (Stores s = Stores.embedded(dir)) {
            write(s);
        }
        long whole = Files.size(file());
        try (Stores s = Stores.embedded(dir)) {
            s.greylist().attempt("b", T0, TIMING);
        }
        long longer = Files.size(file());
        assertThat(longer).as("the second session appended").isGreaterThan(whole);
        try (FileChannel f = FileChannel.open(file(), StandardOpenOption.WRITE)) {
            f.truncate(whole + (longer - whole) / 2); // the second session's last write, half done
        }
        try (Stores s = Stores.embedded(dir)) {
            assertWritten(s);
            assertThat(s.greylist().peek("b", T0.plus(MINUTE), TIMING)).as("the half-written update is lost, not half read").isEqualTo(Seen.FIRST);
        }
        assertThat(damaged()).isEmpty();
    }

    @Test
    void anEmptyFileIsANewStore() throws Exception {
        Files.createFile(file());
        try (Stores s = Stores.embedded(dir)) {
            assertEmpty(s);
        }
    }

    @Test
    void aFileWhoseRecordsAreNotOursIsMovedAside() throws Exception {
        try (MVStore other = MVStore.open(file().toString())) {
            MVMap<String, String> triplets = other.openMap("triplets");
            triplets.put("a", "not a triplet");
        }
        try (Stores s = Stores.embedded(dir)) {
            assertEmpty(s);
        }
        assertThat(damaged()).hasSize(1);
    }

    @Test
    void aFileInUseIsNotSharedNorMovedAside() throws Exception {
        try (Stores first = Stores.embedded(dir)) {
            write(first);
            assertThatThrownBy(() -> Stores.embedded(dir)).isInstanceOf(StoreUnavailable.class).hasMessageContaining(file().toString());
            assertWritten(first);
        }
        assertThat(damaged()).isEmpty();
    }

    @Test
    void closingEitherStoreClosesBothAndTheyThenAreUnavailable() {
        Stores s = Stores.embedded(dir);
        write(s);
        s.rates().close();
        s.greylist().close();
        s.close();
        assertThatThrownBy(() -> s.greylist().attempt("a", T0, TIMING)).isInstanceOf(StoreUnavailable.class);
        assertThatThrownBy(() -> s.rates().add("conn:x", 1, T0, MINUTE)).isInstanceOf(StoreUnavailable.class);
        try (Stores again = Stores.embedded(dir)) {
            assertWritten(again);
        }
    }

    @Test
    void recordsDeadByTheCallersTimeAreSweptAndLiveOnesStay() {
        try (EmbeddedFile file = EmbeddedFile.open(dir)) {
            var greylist = new EmbeddedGreylistStore(file, file::close);
            var rates = new EmbeddedRateStore(file, file::close);
            Instant t = T0.plus(Duration.ofMinutes(6));
            greylist.attempt("passed", T0, TIMING);
            greylist.attempt("passed", t, TIMING);
            for (int i = 0; i < 100; i++) {
                greylist.attempt("spam" + i, t, TIMING); // never retried: dead after the window
                rates.add("conn:" + i, 1, t, MINUTE);    // dead once two windows have passed
            }
            greylist.retried("client", t, TIMING);
            assertThat(file.size()).as("nothing is dead yet").isEqualTo(1 + 100 + 100 + 1);

            Instant later = t.plus(TIMING.window()).plus(MINUTE);
            greylist.attempt("passed", later, TIMING); // the callers' time moved past a sweep's due time
            Patience.await("the sweep").until(() -> {
                greylist.peek("passed", later, TIMING); // callers go on (the sweep at T0 may still have been running)
                return file.size();
            }, n -> n == 2);
            assertThat(greylist.peek("passed", later, TIMING)).isEqualTo(Seen.KNOWN);
            assertThat(greylist.retries("client", later, TIMING)).isEqualTo(1);
        }
    }
}
