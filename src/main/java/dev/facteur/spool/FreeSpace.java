package dev.facteur.spool;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Room on the spool's disk for new mail, beyond a reserve kept for the queue's own records (as
 * Postfix's {@code queue_minfree}): the outcome of a delivery, the removal of a delivered
 * message and a DSN must still be written when new mail has filled the disk, or a delivered
 * message would be delivered again after a restart and a bounce never sent. New mail is refused
 * while the reserve is not free, and a message whose declared size would eat into it.
 *
 * <p>The free space is asked of the file system (statfs(2)) at most once a {@link #CACHED
 * second}, however many clients ask: a check per MAIL command, never per data block.
 */
public final class FreeSpace {

    private static final Logger log = LoggerFactory.getLogger("facteur.spool");
    /** How long one reading of the free space is used. */
    static final long CACHED = 1_000_000_000L;

    /** The bytes a non-privileged writer may still use on the disk (statfs's f_bavail). */
    @FunctionalInterface
    interface Probe {
        long usable() throws IOException;
    }

    private record Reading(long usable, long atNanos) {}

    private final Probe probe;
    private final long reserve;
    private final LongSupplier nanoTime;
    private volatile Reading last;
    private volatile boolean belowReserve;

    FreeSpace(Probe probe, long reserve, LongSupplier nanoTime) {
        if (reserve < 0) throw new IllegalArgumentException("reserve " + reserve);
        this.probe = probe;
        this.reserve = reserve;
        this.nanoTime = nanoTime;
    }

    /** Keeps {@code reserve} bytes free on the file system that holds {@code dir}. */
    public static FreeSpace of(Path dir, long reserve) throws IOException {
        FileStore store = Files.getFileStore(dir);
        return new FreeSpace(store::getUsableSpace, reserve, System::nanoTime);
    }

    /**
     * Whether a message of {@code size} bytes (0 when its size is not known) may be taken now:
     * the disk has the reserve free, and the message besides. When the file system cannot say,
     * the answer is yes: a write that finds the disk full fails cleanly anyway.
     */
    public boolean hasRoomFor(long size) {
        long usable = usable();
        boolean below = usable < reserve;
        if (below != belowReserve) {
            belowReserve = below;
            if (below) log.warn("the spool's disk has {} free, less than the {} kept for the queue's records: new mail is refused (452 4.3.1)",
                    mb(usable), mb(reserve));
            else log.info("the spool's disk has {} free, more than the {} kept for the queue's records: new mail is taken again",
                    mb(usable), mb(reserve));
        }
        return !below && usable - reserve >= Math.max(0, size);
    }

    private long usable() {
        long now = nanoTime.getAsLong();
        Reading r = last;
        if (r == null || now - r.atNanos() >= CACHED) {
            long usable;
            try {
                usable = probe.usable();
            } catch (IOException e) {
                usable = Long.MAX_VALUE;
            }
            last = r = new Reading(usable, now);
        }
        return r.usable();
    }

    private static String mb(long bytes) {
        return bytes == Long.MAX_VALUE ? "(unknown)" : String.format(Locale.ROOT, "%.1f MB", bytes / 1048576.0);
    }
}
