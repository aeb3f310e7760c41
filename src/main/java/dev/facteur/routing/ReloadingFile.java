package dev.facteur.routing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A table read from a file and read again when the file changes, so operators edit aliases or
 * routes without a restart. The file is looked at (one stat) at most once a second, when the
 * table is used.
 *
 * <p>A changed file is read only once it has stopped changing: its stamp (modification time,
 * size, file key) must be the same on two checks in a row, or its modification time at least
 * two seconds in the past (some file systems keep it to the second). {@code cat new > users}
 * truncates the file and then writes it; read in between, the half file would parse fine and
 * the users not yet written would get 550. A change is therefore in force within about two
 * seconds. A file that changes while it is being read is not taken either.
 *
 * <p>The safe way to change a table is to write a new file and rename it into place
 * ({@code cp users users.new; vi users.new; mv users.new users}): a rename is atomic, so Facteur
 * reads the old file or the new one, never a mix. The rule above covers a quick rewrite in place,
 * not a writer that stops for seconds half-way.
 *
 * <p>A broken edit is logged once, with its file and line, and the previous table stays in force:
 * mail keeps flowing while the operator fixes the typo. A missing or unreadable file is logged
 * when that starts and when it ends, not on every check, and the previous table stays in force
 * meanwhile. At start-up a missing or broken file is an error.
 */
public final class ReloadingFile<T> {

    private static final Logger log = LoggerFactory.getLogger("facteur.routing");
    /** At most one look at the file per this interval. */
    static final Duration CHECK_EVERY = Duration.ofSeconds(1);
    /** A file last modified this long ago is taken without waiting for a second look. */
    static final Duration SETTLED_AGE = Duration.ofSeconds(2);

    /** Builds the table from the file. */
    @FunctionalInterface
    public interface Parser<T> {
        T parse(Path file) throws IOException, MapFile.Invalid;
    }

    private record Stamp(long modified, long size, Object fileKey) {}

    private final Path file;
    private final Parser<T> parser;
    private final LongSupplier ticker; // System::nanoTime: spaces the checks
    private final InstantSource clock; // the wall clock, to tell the age of a modification time
    private final ReentrantLock checking = new ReentrantLock();
    private volatile T current;
    private volatile long checkedAt;
    // Guarded by checking:
    private Stamp settled;   // the version in force, or a broken one already reported
    private Stamp candidate; // a new version seen on the last check, not taken yet
    private String trouble;  // what was last reported about a missing or unreadable file; null when none

    private ReloadingFile(Path file, Parser<T> parser, LongSupplier ticker, InstantSource clock, T first, Stamp stamp) {
        this.file = file;
        this.parser = parser;
        this.ticker = ticker;
        this.clock = clock;
        this.current = first;
        this.settled = stamp;
        this.checkedAt = ticker.getAsLong();
    }

    /** Reads the file now; a missing or broken file fails here, with its name and line. */
    public static <T> ReloadingFile<T> open(Path file, Parser<T> parser) throws IOException, MapFile.Invalid {
        return open(file, parser, System::nanoTime, InstantSource.system());
    }

    /** As {@link #open(Path, Parser)}, with the clocks given: a nanosecond ticker and the wall clock. */
    static <T> ReloadingFile<T> open(Path file, Parser<T> parser, LongSupplier ticker, InstantSource clock)
            throws IOException, MapFile.Invalid {
        Stamp s = stamp(file);
        return new ReloadingFile<>(file, parser, ticker, clock, parser.parse(file), s);
    }

    /** The table as of the last successful read, after a look at the file if the last one is a second old. */
    public T get() {
        if (ticker.getAsLong() - checkedAt >= CHECK_EVERY.toNanos() && checking.tryLock()) {
            try { // another thread checking already: use the table we have
                long now = ticker.getAsLong();
                if (now - checkedAt >= CHECK_EVERY.toNanos()) {
                    checkedAt = now;
                    check();
                }
            } finally {
                checking.unlock();
            }
        }
        return current;
    }

    private void check() {
        Stamp s = look();
        if (s == null) {
            candidate = null;
            return;
        }
        if (s.equals(settled)) {
            candidate = null;
            cleared("back, unchanged");
            return;
        }
        boolean stable = s.equals(candidate) || clock.millis() - s.modified() >= SETTLED_AGE.toMillis();
        candidate = s;
        if (!stable) return; // perhaps being written: look again next time
        T table = null;
        MapFile.Invalid broken = null;
        try {
            table = parser.parse(file);
        } catch (MapFile.Invalid e) {
            broken = e;
        } catch (IOException e) {
            trouble(e);
            return;
        }
        if (!s.equals(look())) return; // changed while we read it: wait until it settles
        settled = s; // a broken version too: it is reported once, not every second
        candidate = null;
        cleared(null);
        if (broken != null) {
            log.error("{} (keeping the table loaded before)", broken.getMessage());
        } else {
            current = table;
            log.info("{}: reloaded", file);
        }
    }

    /** The file's stamp, or null (reported once) when it cannot be had. */
    private Stamp look() {
        try {
            return stamp(file);
        } catch (IOException e) {
            trouble(e);
            return null;
        }
    }

    private void trouble(IOException e) {
        String what = e instanceof NoSuchFileException ? "missing" : "cannot read: " + e;
        if (!what.equals(trouble)) log.error("{}: {}, keeping the table loaded before", file, what);
        trouble = what;
    }

    private void cleared(String news) {
        if (trouble != null && news != null) log.info("{}: {}", file, news);
        trouble = null;
    }

    private static Stamp stamp(Path file) throws IOException {
        var a = Files.readAttributes(file, BasicFileAttributes.class);
        return new Stamp(a.lastModifiedTime().toMillis(), a.size(), Objects.requireNonNullElse(a.fileKey(), ""));
    }
}
