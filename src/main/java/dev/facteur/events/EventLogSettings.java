package dev.facteur.events;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Where the event log is and how it is written.
 *
 * @param directory      where {@code events.log} and its old files go, e.g. {@code DATA_DIR/events}
 * @param maxFileBytes   {@code events.log} is rotated before it would grow past this size
 * @param keepFiles      how many old files are kept ({@code events.log.NNNNNN}, the oldest removed
 *                       first); more are kept while the webhook has not read them
 * @param maxKeptBytes   the hard cap on the old files together: past it the oldest go even if the
 *                       webhook has not read them, and the events lost are logged as an error
 * @param syncInterval   an event written is made durable (fdatasync) within this time...
 * @param syncEvents     ...or once this many are waiting, whichever comes first
 * @param bufferedEvents how many events may wait in memory for the writer; more are dropped
 * @param maxEmitWait    how long {@code emit} waits for room when they are that many, before it
 *                       drops its event rather than hold up delivery
 */
public record EventLogSettings(Path directory, long maxFileBytes, int keepFiles, long maxKeptBytes, Duration syncInterval,
                               int syncEvents, int bufferedEvents, Duration maxEmitWait) {

    public static final long DEFAULT_MAX_FILE_BYTES = 64L << 20;
    public static final int DEFAULT_KEEP_FILES = 8;
    /** Enough for days of a busy server's events (about 500 bytes each) while the webhook is down. */
    public static final long DEFAULT_MAX_KEPT_BYTES = 4L << 30;
    /** What a power cut can lose at most; ten syncs a second cost nothing next to the spool's. */
    public static final Duration DEFAULT_SYNC_INTERVAL = Duration.ofMillis(100);
    public static final int DEFAULT_SYNC_EVENTS = 1000;
    public static final int DEFAULT_BUFFERED_EVENTS = 10_000;
    public static final Duration DEFAULT_MAX_EMIT_WAIT = Duration.ofMillis(50);

    /** The smallest file: a few events (tests rotate small files; production has no reason to). */
    static final long MIN_FILE_BYTES = 4096;

    public EventLogSettings {
        Objects.requireNonNull(directory, "directory");
        if (maxFileBytes < MIN_FILE_BYTES) throw new IllegalArgumentException("max file size below " + MIN_FILE_BYTES + " bytes: " + maxFileBytes);
        // The newest old file carries the numbering across a restart (LogFiles), so one is always kept.
        if (keepFiles < 1) throw new IllegalArgumentException("keep at least one old file: " + keepFiles);
        if (maxKeptBytes / (keepFiles + 1) < maxFileBytes)
            throw new IllegalArgumentException("the cap on old files (" + maxKeptBytes + " bytes) must hold the "
                    + keepFiles + " kept and one more, of up to " + maxFileBytes + " bytes each");
        if (syncInterval.compareTo(Duration.ofMillis(1)) < 0 || syncInterval.compareTo(Duration.ofMinutes(1)) > 0)
            throw new IllegalArgumentException("sync interval must be between 1ms and 1m: " + syncInterval);
        if (syncEvents < 1) throw new IllegalArgumentException("sync events must be at least 1: " + syncEvents);
        if (bufferedEvents < 1) throw new IllegalArgumentException("buffered events must be at least 1: " + bufferedEvents);
        if (maxEmitWait.isNegative() || maxEmitWait.compareTo(Duration.ofSeconds(10)) > 0)
            throw new IllegalArgumentException("max emit wait must be between 0 and 10s: " + maxEmitWait);
    }

    /** The defaults, in {@code directory}. */
    public static EventLogSettings in(Path directory) {
        return new EventLogSettings(directory, DEFAULT_MAX_FILE_BYTES, DEFAULT_KEEP_FILES, DEFAULT_MAX_KEPT_BYTES,
                DEFAULT_SYNC_INTERVAL, DEFAULT_SYNC_EVENTS, DEFAULT_BUFFERED_EVENTS, DEFAULT_MAX_EMIT_WAIT);
    }

    public EventLogSettings withRotation(long fileBytes, int files, long keptBytes) {
        return new EventLogSettings(directory, fileBytes, files, keptBytes, syncInterval, syncEvents, bufferedEvents, maxEmitWait);
    }

    public EventLogSettings withGroupCommit(Duration interval, int events) {
        return new EventLogSettings(directory, maxFileBytes, keepFiles, maxKeptBytes, interval, events, bufferedEvents, maxEmitWait);
    }

    public EventLogSettings withBuffer(int events, Duration maxWait) {
        return new EventLogSettings(directory, maxFileBytes, keepFiles, maxKeptBytes, syncInterval, syncEvents, events, maxWait);
    }
}
