package dev.facteur.history;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the delivery history: {@link #record} turns the event into its line on the caller's
 * thread and hands it to one writer thread, which appends whatever has queued up with one write
 * to the file of the event's day ({@link HistoryFiles}), and removes the files that have been kept
 * long enough.
 *
 * <p><b>What a crash loses.</b> The history is not the mail: the spool holds what matters, and a
 * DSN tells the sender. So nobody waits for the disk here, and there is no fsync per event: the
 * writer calls fdatasync at most once a second, when it has written since. A lost process
 * ({@code kill -9}) loses the lines still queued, which is none or a handful while the disk keeps
 * up (the writer writes within microseconds of {@code record}); a lost machine also loses up to
 * the last second written. A line cut short by the crash is skipped by readers, and the next line
 * written starts on a line of its own. Creating a day's file is not made durable either: a power
 * cut in the first second of a day may lose that day's first events.
 *
 * <p>When the writer cannot keep up ({@value #BUFFERED} lines waiting) or the disk fails, events
 * are dropped and the loss is logged, rather than holding up SMTP sessions or deliveries.
 */
public final class DeliveryHistory implements HistorySink, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger("facteur.history");
    /** Lines waiting for the writer: seconds of a busy server's events, about 30 MB at the most. */
    static final int BUFFERED = 100_000;
    private static final long SYNC_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final int WRITE_BUFFER = 1 << 20;
    // Addresses are personal data: the owner writes, the group (an operator's tools) reads.
    private static final FileAttribute<Set<PosixFilePermission>> FILE_MODE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r-----"));
    private static final FileAttribute<Set<PosixFilePermission>> DIRECTORY_MODE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-x---"));

    /** What the writer is handed. */
    private sealed interface Item {
        record Line(LocalDate day, byte[] bytes) implements Item {}

        /** Written everything before it: tell the waiting caller. */
        record Flush(CountDownLatch done) implements Item {}

        /** Write everything before it, and stop. */
        record Stop() implements Item {}
    }

    private final HistoryFiles files;
    private final Duration keep;
    private final Clock clock;
    private final BlockingQueue<Item> queue = new ArrayBlockingQueue<>(BUFFERED);
    private final AtomicLong dropped = new AtomicLong();
    private volatile boolean open = true;
    private long lastDropWarning;
    private final Thread writer;

    // The writer's alone.
    private final ByteBuffer buffer = ByteBuffer.allocate(WRITE_BUFFER);
    private LocalDate day;
    private FileChannel channel;
    private boolean unsynced;
    private long lastSync = System.nanoTime();
    private Instant nextCleaning = Instant.MIN;
    private boolean failing;

    private DeliveryHistory(HistoryFiles files, Duration keep, Clock clock) {
        this.files = files;
        this.keep = keep;
        this.clock = clock;
        this.writer = Thread.ofPlatform().name("history-writer").daemon().unstarted(this::writeLoop);
    }

    /**
     * Makes the directory if need be, removes the files kept long enough, and starts the writer.
     *
     * @throws IOException when the directory cannot be made or read
     */
    public static DeliveryHistory open(HistorySettings settings, Clock clock) throws IOException {
        Path dir = settings.directory();
        if (!Files.isDirectory(dir)) Files.createDirectories(dir, DIRECTORY_MODE);
        var history = new DeliveryHistory(new HistoryFiles(dir), settings.keep(), clock);
        history.clean();
        history.writer.start();
        return history;
    }

    @Override
    public void record(HistoryEvent e) {
        if (!open || e == null) return;
        byte[] line;
        try {
            line = HistoryLine.write(e);
        } catch (RuntimeException failure) { // a bug of ours must not fail a delivery
            log.error("history: {} event of {} dropped: {}", HistoryLine.type(e), e.queueId(), failure.toString());
            return;
        }
        if (!queue.offer(new Item.Line(HistoryFiles.dayOf(e.time()), line))) dropped(1);
    }

    /** Returns once every event recorded before has been written (not synced): for readers in the same process, and tests. */
    public void flush() throws InterruptedException {
        if (!writer.isAlive()) return;
        var done = new CountDownLatch(1);
        queue.put(new Item.Flush(done));
        done.await();
    }

    /** Writes and syncs what was recorded, and stops the writer; events recorded after this are dropped. */
    @Override
    public void close() {
        if (!open) return;
        open = false;
        try {
            queue.put(new Item.Stop());
            // the writer has lines to write and a file to sync, no more: should the disk hang, the server still stops
            if (!writer.join(Duration.ofSeconds(10))) log.error("history: the writer has not finished in 10 s; its last events may be lost");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void dropped(long n) {
        long total = dropped.addAndGet(n);
        synchronized (this) {
            long now = System.nanoTime();
            if (lastDropWarning != 0 && now - lastDropWarning < TimeUnit.MINUTES.toNanos(1)) return;
            lastDropWarning = now;
        }
        log.warn("history: {} events dropped so far (the writer is behind, or the disk fails): facteur trace will not show them", total);
    }

    // ---- the writer ---------------------------------------------------------------------------

    private void writeLoop() {
        List<Item> batch = new ArrayList<>();
        boolean stop = false;
        while (!stop) {
            try {
                // wakes every second when idle: to sync what was written, and to clean at the turn of the day
                Item first = queue.poll(1, TimeUnit.SECONDS);
                if (first != null) {
                    batch.add(first);
                    queue.drainTo(batch, 10_000);
                    stop = write(batch);
                    batch.clear();
                }
                if (unsynced && System.nanoTime() - lastSync >= SYNC_NANOS) sync();
                if (!clock.instant().isBefore(nextCleaning)) clean();
            } catch (InterruptedException e) {
                stop = true;
            } catch (RuntimeException e) {
                log.error("history writer error", e);
            }
        }
        sync();
        closeChannel();
    }

    /** Writes the batch in order; true when it ends with {@link Item.Stop}. */
    private boolean write(List<Item> batch) {
        Instant oldestKept = oldestKept();
        for (Item item : batch) {
            switch (item) {
                case Item.Line(LocalDate d, byte[] bytes) -> {
                    // an event older than the history keeps (a clock set back) would bring back a file just removed
                    if (d.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant().compareTo(oldestKept) <= 0) continue;
                    if (!d.equals(day)) switchTo(d);
                    if (bytes.length > buffer.remaining()) writeOut();
                    if (bytes.length <= buffer.capacity()) buffer.put(bytes);
                    else writeOut(ByteBuffer.wrap(bytes)); // thousands of recipients: a line of its own
                }
                case Item.Flush(CountDownLatch done) -> {
                    writeOut();
                    done.countDown();
                }
                case Item.Stop() -> {
                    writeOut();
                    return true;
                }
            }
        }
        writeOut();
        return false;
    }

    /** The queued bytes to the current file. */
    private void writeOut() {
        if (buffer.position() == 0) return;
        buffer.flip();
        try {
            writeOut(buffer);
        } finally {
            buffer.clear();
        }
    }

    /** Lines to the current file; on failure they are dropped and the file is opened again for the next ones. */
    private void writeOut(ByteBuffer lines) {
        int count = 0;
        for (int i = lines.position(); i < lines.limit(); i++) if (lines.get(i) == '\n') count++;
        try {
            if (channel == null) channel = openDay(day);
            while (lines.hasRemaining()) channel.write(lines);
            unsynced = true;
            if (failing) log.warn("history: {} written again", files.of(day));
            failing = false;
        } catch (IOException | RuntimeException e) { // a bug of ours too: the lines are lost, not the writer
            if (!failing) log.error("history: cannot write {}: {}", files.of(day), e.toString());
            failing = true;
            dropped(count);
            closeChannel(); // a file cut off mid-line starts on a new line when opened again
        }
    }

    private void switchTo(LocalDate d) {
        writeOut();
        sync();
        closeChannel();
        day = d;
    }

    /**
     * Opens a day's file to append. A file that does not end in a line feed was cut off (a crash
     * in the middle of a write): a line feed first, so that the torn line stays one bad line
     * rather than swallowing the next event too.
     */
    private FileChannel openDay(LocalDate d) throws IOException {
        // not APPEND, which excludes READ: this thread is the only writer, so writing at the end it found is the same
        FileChannel ch = FileChannel.open(files.of(d), Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ),
                FILE_MODE);
        try {
            long size = ch.size();
            ch.position(size);
            if (size > 0) {
                ByteBuffer last = ByteBuffer.allocate(1);
                ch.read(last, size - 1);
                if (last.get(0) != '\n') ch.write(ByteBuffer.wrap(new byte[] {'\n'}));
            }
            return ch;
        } catch (IOException e) {
            ch.close();
            throw e;
        }
    }

    private void sync() {
        if (!unsynced || channel == null) return;
        try {
            channel.force(false);
        } catch (IOException e) {
            log.warn("history: cannot sync {}: {}", files.of(day), e.toString());
        }
        unsynced = false;
        lastSync = System.nanoTime();
    }

    private void closeChannel() {
        if (channel == null) return;
        try {
            channel.close();
        } catch (IOException e) {
            // nothing was lost that a sync would have kept
        }
        channel = null;
        unsynced = false;
    }

    /** The first instant still kept: events before it have been kept long enough. */
    private Instant oldestKept() {
        return clock.instant().minus(keep);
    }

    /** Removes the files whose every event is older than {@code keep}; next due when the UTC day turns. */
    private void clean() {
        Instant now = clock.instant();
        Instant oldestKept = now.minus(keep);
        try {
            for (LocalDate d : files.days()) {
                if (d.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant().isAfter(oldestKept)) break;
                if (d.equals(day)) closeChannel();
                Files.deleteIfExists(files.of(d));
                log.info("history: {} removed (kept {} days)", files.of(d).getFileName(), keep.toDays());
            }
        } catch (IOException e) {
            log.warn("history: cannot remove old files in {}: {}", files.dir(), e.toString());
        }
        nextCleaning = HistoryFiles.dayOf(now).plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
    }

    /** Events dropped since the start. */
    long dropped() {
        return dropped.get();
    }
}
