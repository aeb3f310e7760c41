package dev.facteur.events;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The event log, {@code events.log}: one JSON object a line, appended by one writer thread with
 * group commit. {@link #append} turns the event into its line on the caller's thread and hands it
 * over; the writer writes whatever has queued up in one write and makes it durable with one
 * fdatasync once {@code syncEvents} lines wait for it or the oldest has waited
 * {@code syncInterval}, so a burst of thousands of events costs a few syncs.
 *
 * <p><b>What a crash loses.</b> Nobody waits for these syncs: an event's outcome is already safe
 * in the spool, and delivery must not slow down for its report. So the log promises less than the
 * spool. A lost process ({@code kill -9}) loses the events still in memory, which is none or a
 * handful while the disk keeps up (the writer writes within microseconds of {@code emit}), up to
 * {@code bufferedEvents} when it does not; what was written is in the page cache and survives. A
 * lost machine (power cut) also loses what was written since the last sync: at most the last
 * {@code syncInterval} (100 ms) or {@code syncEvents} events. Making every event durable before
 * {@code emit} returns would cost an fsync in each delivery's path for a report that the
 * application can check against the queue anyway; a tenth of a second is the price of not doing so.
 * A line cut short by the crash is cut off at the next start.
 *
 * <p><b>What readers see.</b> The webhook reads the log as its outbox, and only as far as it is
 * synced ({@link #end}): its cursor then never points past what a power cut keeps. Old files are
 * rotated to {@code events.log.NNNNNN} ({@link LogFiles}); the webhook's position keeps them from
 * removal until it has sent them, up to the hard cap {@code maxKeptBytes}.
 *
 * <p><b>A failing disk</b> (full, or an fsync that fails) loses nothing the writer took: what is
 * not synced is cut off the file and kept in memory, and written again every {@code diskRetry}
 * until the disk takes it. Meanwhile new events wait in the buffer, then are dropped; both are
 * logged, once.
 */
final class EventLog implements Closeable {

    /** The longest line: an event is a few hundred bytes, so this only stops a runaway {@code details}. */
    static final int MAX_EVENT_BYTES = 64 * 1024;
    private static final Logger log = LoggerFactory.getLogger("facteur.events");
    /** Wakes the writer at close, if it waits for events (a full queue has no room for it, and needs none). */
    private static final byte[] CLOSE = new byte[0];
    private static final long IDLE_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final int WRITE_CHUNK = 1 << 20;
    // Events hold addresses, which are personal data: the owner writes, the group (a log shipper) reads.
    private static final FileAttribute<Set<PosixFilePermission>> FILE_MODE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r-----"));
    private static final FileAttribute<Set<PosixFilePermission>> DIRECTORY_MODE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-x---"));

    /**
     * A file of the log opened for reading, and how far it may be read: to its end once it is an
     * old file, to the last sync while it is the current one. No channel: the current file is not
     * made yet.
     */
    record Readable(FileChannel channel, long end, boolean current) implements Closeable {
        @Override
        public void close() throws IOException {
            if (channel != null) channel.close();
        }
    }

    private final EventLogSettings settings;
    private final LogFiles files;
    private final Environment env;
    private final long intervalNanos;
    private final BlockingQueue<byte[]> queue;
    private final CountDownLatch closing = new CountDownLatch(1);
    private final AtomicLong dropped = new AtomicLong();
    private volatile boolean open = true;
    /** Where the webhook has got to; null without one. */
    private volatile Supplier<Position> reader;
    private Thread writer;

    // Shared with readers, under lock: which file is current, its channel, and how much of it is synced.
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition grown = lock.newCondition();
    private long number;
    private long durable;
    /** Null from a rotation's rename until the new file is made, or after a write failure that could not be cut off. */
    private FileChannel channel;

    // The writer's alone.
    private long size;
    /** Lines taken from the queue and not yet synced, in order; the first {@link #written} are in the file. */
    private final List<byte[]> waiting = new ArrayList<>();
    private int written;
    private long waitingSince;
    private IOException failure;

    private EventLog(EventLogSettings settings, Environment env, long number) {
        this.settings = settings;
        this.files = new LogFiles(settings.directory());
        this.env = env;
        this.intervalNanos = settings.syncInterval().toNanos();
        this.queue = new ArrayBlockingQueue<>(settings.bufferedEvents());
        this.number = number;
    }

    /** Opens the log in {@code settings.directory()} (made if need be), and starts its writer. */
    static EventLog open(EventLogSettings settings, Environment env) throws IOException {
        Path dir = settings.directory();
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, DIRECTORY_MODE);
            if (dir.toAbsolutePath().getParent() != null) env.disk().syncDirectory(dir.toAbsolutePath().getParent());
        }
        List<Long> old = new LogFiles(dir).oldNumbers();
        var eventLog = new EventLog(settings, env, old.isEmpty() ? 1 : old.getLast() + 1);
        eventLog.openCurrent(-1);
        eventLog.writer = Thread.ofPlatform().name("events-writer").daemon().start(eventLog::writeLoop);
        return eventLog;
    }

    /**
     * Hands {@code e} to the writer: at once when there is room, after at most {@code maxEmitWait}
     * when the writer is behind, or not at all (false) when it is still behind then, or the log is
     * closed, or the event is too large to log.
     */
    boolean append(Event e) {
        if (!open) return false;
        byte[] json = EventJson.write(e);
        if (json.length + 1 > MAX_EVENT_BYTES) {
            log.warn("events: {} event {} for <{}> dropped: its JSON is {} bytes, over the {} of a line", e.type(), e.id(),
                    e.recipient(), json.length, MAX_EVENT_BYTES);
            return false;
        }
        byte[] line = Arrays.copyOf(json, json.length + 1);
        line[json.length] = '\n';
        if (queue.offer(line)) return true;
        try {
            if (!settings.maxEmitWait().isZero() && queue.offer(line, settings.maxEmitWait().toNanos(), TimeUnit.NANOSECONDS)) return true;
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt(); // the caller's to handle; the event is dropped like any other that finds no room
        }
        if (dropped.getAndIncrement() == 0)
            log.warn("events: {} events wait for the writer already; dropping events until it catches up", settings.bufferedEvents());
        return false;
    }

    /** Tells the log where the webhook has got to: old files after that are kept until it has sent them. */
    void readFrom(Supplier<Position> position) {
        reader = position;
    }

    LogFiles files() {
        return files;
    }

    /** The end of what is synced: readers read up to here. */
    Position end() {
        lock.lock();
        try {
            return new Position(number, durable);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits up to {@code nanos} for the synced end to pass {@code p}, or for {@link #wakeReaders};
     * whether it has passed. The caller loops: a reader that is closing is woken to find out.
     */
    boolean awaitBeyond(Position p, long nanos) throws InterruptedException {
        lock.lock();
        try {
            if (!new Position(number, durable).isAfter(p) && open) grown.awaitNanos(nanos);
            return new Position(number, durable).isAfter(p);
        } finally {
            lock.unlock();
        }
    }

    /** Wakes the readers waiting in {@link #awaitBeyond} (one of them is closing). */
    void wakeReaders() {
        lock.lock();
        try {
            grown.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Opens file {@code n} for reading. Under the lock, so that a rotation cannot rename the current
     * file between the choice of the name and the open.
     *
     * @throws NoSuchFileException when it is an old file that is gone (removed at the cap, or by hand)
     */
    Readable openForReading(long n) throws IOException {
        lock.lock();
        try {
            if (n > number) throw new IllegalArgumentException("file " + n + " is after the current one, " + number);
            if (n == number) {
                if (channel == null && !Files.exists(files.current())) return new Readable(null, 0, true);
                return new Readable(FileChannel.open(files.current(), StandardOpenOption.READ), durable, true);
            }
            FileChannel ch = FileChannel.open(files.old(n), StandardOpenOption.READ);
            return new Readable(ch, ch.size(), false);
        } finally {
            lock.unlock();
        }
    }

    /** The file after {@code n}: the next old file there is, or the current one. */
    long fileAfter(long n) throws IOException {
        lock.lock();
        try {
            for (long old : files.oldNumbers()) if (old > n && old < number) return old;
            return number;
        } finally {
            lock.unlock();
        }
    }

    /** The oldest file there is. */
    long oldestFile() throws IOException {
        return fileAfter(0);
    }

    // ---- the writer ----

    private void writeLoop() {
        while (true) {
            boolean closingNow = !open;
            if (failure == null) take(closingNow);
            try {
                writeWaiting();
                if (written > 0 && (closingNow || written >= settings.syncEvents() || env.nanos().getAsLong() - waitingSince >= intervalNanos))
                    sync();
                if (failure != null) {
                    log.info("events: writing {} again", files.current());
                    failure = null;
                }
            } catch (IOException | RuntimeException e) {
                failed(e instanceof IOException io ? io : new IOException(e));
                if (closingNow) {
                    log.error("events: {} events lost at close: cannot write {}: {}", waiting.size() + queue.size(),
                            files.current(), e.toString());
                    break;
                }
                pause(env.diskRetry());
                continue;
            }
            reportDropped();
            if (closingNow && waiting.isEmpty() && queue.isEmpty()) break;
        }
        lock.lock();
        try {
            if (channel != null) channel.close();
            channel = null;
            grown.signalAll();
        } catch (IOException e) {
            log.warn("events: closing {}: {}", files.current(), e.toString());
        } finally {
            lock.unlock();
        }
    }

    /**
     * Takes what has queued up, after waiting for the first line until the waiting lines are due
     * for their sync (or a while, when none wait). Takes no more than the next sync is for, so
     * that the syncs of a burst come every {@code syncEvents} lines.
     */
    private void take(boolean closingNow) {
        long wait = closingNow ? 0
                : waiting.isEmpty() ? IDLE_NANOS : Math.max(0, waitingSince + intervalNanos - env.nanos().getAsLong());
        byte[] first;
        try {
            first = queue.poll(wait, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            first = null; // nobody interrupts the writer: an interrupt would close the file under it
        }
        if (first == null) return;
        if (waiting.isEmpty()) waitingSince = env.nanos().getAsLong();
        List<byte[]> more = new ArrayList<>();
        more.add(first);
        queue.drainTo(more, Math.max(0, settings.syncEvents() - waiting.size() - 1));
        for (byte[] line : more) if (line != CLOSE) waiting.add(line);
    }

    /** Writes the waiting lines not yet in the file, rotating before a line that would not fit. */
    private void writeWaiting() throws IOException {
        while (written < waiting.size()) {
            if (channel == null) openCurrent(durable);
            int to = written;
            long bytes = 0;
            while (to < waiting.size()) {
                int length = waiting.get(to).length;
                if (size + bytes + length > settings.maxFileBytes() && size + bytes > 0) break;
                if (bytes + length > WRITE_CHUNK && bytes > 0) break;
                bytes += length;
                to++;
            }
            if (to == written) {
                rotate();
                continue;
            }
            ByteBuffer data = ByteBuffer.allocate((int) bytes);
            for (int i = written; i < to; i++) data.put(waiting.get(i));
            env.disk().write(files.current(), channel, data.flip());
            size += bytes;
            written = to;
        }
    }

    /** fdatasync, then the readers may read what was written. */
    private void sync() throws IOException {
        env.disk().force(files.current(), channel);
        lock.lock();
        try {
            durable = size;
            grown.signalAll();
        } finally {
            lock.unlock();
        }
        waiting.subList(0, written).clear();
        written = 0;
        if (!waiting.isEmpty()) waitingSince = env.nanos().getAsLong();
    }

    /**
     * events.log becomes events.log.N, whole and synced (readers read an old file to its end), and a
     * new events.log is made; then old files are removed as the settings say.
     */
    private void rotate() throws IOException {
        if (written > 0) sync();
        lock.lock();
        try {
            channel.close();
            channel = null; // made again by openCurrent if the rename fails: the rotation is tried again
            env.disk().move(files.current(), files.old(number));
            number++;
            durable = 0;
            grown.signalAll();
        } finally {
            lock.unlock();
        }
        size = 0;
        openCurrent(0); // syncs the directory: the rename and the new name are on disk before anything in the new file
        try {
            retain();
        } catch (IOException | RuntimeException e) { // the events are written: only the clean-up waits for the next rotation
            log.warn("events: cannot remove old files in {}: {}", files.dir(), e.toString());
        }
    }

    /**
     * Opens events.log for appending, made if need be, with its name synced into the directory.
     * {@code good} is where its synced content ends (what follows was never synced, and is cut
     * off); -1 at start, where it is not known: then a line cut short by a crash is cut off, and
     * what is left synced, since a killed process leaves its last writes in the page cache only.
     */
    private void openCurrent(long good) throws IOException {
        Path f = files.current();
        FileChannel ch = FileChannel.open(f, Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE), FILE_MODE);
        try {
            long end = ch.size();
            long keep = good >= 0 ? Math.min(good, end) : LogReader.endOfLastLine(ch, end);
            if (keep < end) {
                if (good < 0) log.warn("events: cut {} bytes off the end of {}: the start of a line never finished (the server stopped while writing it)",
                        end - keep, f);
                env.disk().truncate(f, ch, keep);
            }
            if (good < 0) env.disk().force(f, ch);
            env.disk().syncDirectory(files.dir());
            ch.position(keep);
            lock.lock();
            try {
                channel = ch;
                durable = keep;
                grown.signalAll();
            } finally {
                lock.unlock();
            }
            size = keep;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /**
     * The write or sync failed: what was not synced is cut off the file, so that no partial line
     * stays in it and the lines are written again where they would have been; they stay in memory
     * until then. If the cut fails too, the file is opened again before the next write, and cut then.
     */
    private void failed(IOException e) {
        if (failure == null)
            log.error("events: cannot write {}: {}; keeping {} events in memory and trying again every {}; new events wait"
                    + " in memory, up to {}", files.current(), e.toString(), waiting.size(), env.diskRetry(), settings.bufferedEvents());
        failure = e;
        written = 0;
        size = durable;
        lock.lock();
        try {
            if (channel == null) return;
            try {
                env.disk().truncate(files.current(), channel, durable);
                channel.position(durable);
            } catch (IOException again) {
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // it is let go either way; openCurrent cuts the file
                }
                channel = null;
            }
        } finally {
            lock.unlock();
        }
    }

    private void pause(Duration d) {
        try {
            closing.await(d.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            // the writer is never interrupted
        }
    }

    private void reportDropped() {
        if (dropped.get() == 0 || queue.size() >= settings.bufferedEvents() / 2) return;
        long n = dropped.getAndSet(0);
        if (n > 0) log.warn("events: {} events were dropped while the writer was behind", n);
    }

    /**
     * Removes the oldest old files past {@code keepFiles} that the webhook has sent; then, while the
     * old files together pass {@code maxKeptBytes}, the oldest whether sent or not, saying how many
     * events the webhook loses. The newest old file always stays: its number is the one the next
     * start continues from. (Removals are not synced: a file that comes back after a crash goes at
     * the next rotation.)
     */
    private void retain() throws IOException {
        Supplier<Position> r = reader;
        Position sent = r == null ? null : r.get();
        List<Long> old = new ArrayList<>(files.oldNumbers());
        old.removeIf(n -> n >= number);
        int excess = old.size() - settings.keepFiles();
        while (excess > 0 && !old.isEmpty() && (sent == null || sent.file() > old.getFirst())) {
            env.disk().delete(files.old(old.removeFirst()));
            excess--;
        }
        long total = 0;
        for (long n : old) total += sizeOf(files.old(n));
        long lost = 0;
        List<Long> removed = new ArrayList<>();
        while (total > settings.maxKeptBytes() && old.size() > 1) {
            long n = old.removeFirst();
            Path p = files.old(n);
            long bytes = sizeOf(p);
            if (sent != null && sent.file() <= n) lost += unsent(p, sent.file() == n ? sent.offset() : 0);
            env.disk().delete(p);
            removed.add(n);
            total -= bytes;
        }
        if (lost > 0)
            log.error("events: removed old files {} holding {} events the webhook has not sent yet: the old files passed the cap"
                    + " of {} bytes; those events are lost to the webhook", removed, lost, settings.maxKeptBytes());
    }

    private static long sizeOf(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return 0;
        }
    }

    private static long unsent(Path p, long from) {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            return LogReader.countLines(ch, from, ch.size());
        } catch (IOException e) {
            return 0;
        }
    }

    /** Writes what was handed over, syncs it, and stops the writer. Events appended after this are dropped. */
    @Override
    public void close() {
        if (!open) return;
        open = false;
        queue.offer(CLOSE);
        closing.countDown();
        try {
            writer.join(Duration.ofSeconds(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        wakeReaders();
    }
}
