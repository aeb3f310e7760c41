package dev.facteur.routing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A table read from a file and read again when the file changes, so operators edit aliases or
 * routes without a restart. A change is noticed within a second (one stat per second at most).
 * A broken edit is logged with its file and line and the previous table stays in force: mail
 * keeps flowing while the operator fixes the typo. At start-up a broken file is an error.
 */
public final class ReloadingFile<T> {

    private static final Logger log = LoggerFactory.getLogger("facteur.routing");
    private static final long CHECK_NANOS = Duration.ofSeconds(1).toNanos();

    /** Builds the table from the file. */
    @FunctionalInterface
    public interface Parser<T> {
        T parse(Path file) throws IOException, MapFile.Invalid;
    }

    private record Stamp(long modified, long size, Object fileKey) {}

    private final Path file;
    private final Parser<T> parser;
    private volatile T current;
    private volatile Stamp stamp;
    private volatile long checkedAt;

    private ReloadingFile(Path file, Parser<T> parser, T first, Stamp stamp) {
        this.file = file;
        this.parser = parser;
        this.current = first;
        this.stamp = stamp;
        this.checkedAt = System.nanoTime();
    }

    /** Reads the file now; a missing or broken file fails here, with its name and line. */
    public static <T> ReloadingFile<T> open(Path file, Parser<T> parser) throws IOException, MapFile.Invalid {
        Stamp s = stamp(file);
        return new ReloadingFile<>(file, parser, parser.parse(file), s);
    }

    /** The table as of the last successful read, re-reading the file first if it has changed. */
    public T get() {
        long now = System.nanoTime();
        if (now - checkedAt >= CHECK_NANOS) {
            checkedAt = now;
            reloadIfChanged();
        }
        return current;
    }

    private synchronized void reloadIfChanged() {
        Stamp s;
        try {
            s = stamp(file);
        } catch (IOException e) {
            log.error("{}: cannot read, keeping the table loaded before: {}", file, e.toString());
            return;
        }
        if (s.equals(stamp)) return;
        try {
            current = parser.parse(file);
            stamp = s;
            log.info("{}: reloaded", file);
        } catch (MapFile.Invalid e) {
            stamp = s; // report a broken version once, not every second
            log.error("{} (keeping the table loaded before)", e.getMessage());
        } catch (IOException e) {
            log.error("{}: cannot read, keeping the table loaded before: {}", file, e.toString());
        }
    }

    private static Stamp stamp(Path file) throws IOException {
        var a = Files.readAttributes(file, BasicFileAttributes.class);
        return new Stamp(a.lastModifiedTime().toMillis(), a.size(), Objects.requireNonNullElse(a.fileKey(), ""));
    }
}
