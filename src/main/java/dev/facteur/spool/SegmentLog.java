package dev.facteur.spool;

import dev.facteur.metrics.Metrics;
import dev.facteur.metrics.SpoolMetrics;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Append-only segment files with group commit: callers on many threads hand over records; a
 * writer thread writes whatever has queued up with one gathering write, and a syncer thread
 * covers every batch written since its last fdatasync with one more, then releases their callers.
 * On this class of disk a single fsync costs about as much as a few hundred kilobytes of writing,
 * so sharing it is what makes acceptance fast; and since the writer never waits for the disk, a
 * record reaches the page cache at once, where a crash of the process (kill -9) cannot lose it.
 *
 * <pre>
 * record = magic u32 | type u8 | length u32 | crc32c u32 (of type and payload) | payload
 * </pre>
 *
 * A segment's file is made when its first batch comes, and begins with a SEGMENT record saying
 * why it was started, so that recovery can tell a torn tail (the batch being written when the
 * server stopped) from damage. A batch that fails to be written or synced is cut off again and
 * the next batch goes where it would have: a full disk leaves neither partial records nor new
 * files behind.
 */
final class SegmentLog implements Closeable {

    private static final Logger log = LoggerFactory.getLogger("facteur.spool");
    static final int MAGIC = 0x46435231; // "FCR1"
    static final int HEADER = 13;
    static final int MAX_PAYLOAD = Integer.MAX_VALUE - 64;
    private static final String SUFFIX = ".log";

    /** Where a record starts. */
    record Position(long segment, long offset) {}

    private record Request(ByteBuffer header, ByteBuffer[] parts, long length, CompletableFuture<Position> done) {}

    private final Path dir;
    private final long segmentSize;
    private final Disk disk;
    private final BlockingQueue<Request> queue = new ArrayBlockingQueue<>(4096);
    private final Thread writer;
    private final Thread syncer;
    /** Told how many records each sync covers. */
    volatile SpoolMetrics metrics = Metrics.NONE.spool();
    private volatile boolean running = true;

    // Guarded by lock: shared by the writer and the syncer.
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    /** The segment being written; its file does not exist before its first batch. */
    private volatile long segment;
    private Path file;
    private FileChannel channel;
    /** The end of the last batch written: the next one goes here. */
    private long position;
    /** The end of the last batch synced in the current segment. */
    private long synced;
    /** Batches written and not yet synced, oldest first. */
    private final List<Written> unsynced = new ArrayList<>();
    /** The syncer is syncing a round (outside the lock). */
    private boolean syncing;
    private boolean writerDone;
    /** Why the current segment was started: {@link Records#OPENED_AT_START} or {@link Records#OPENED_AFTER_FULL}. */
    private byte opened = Records.OPENED_AT_START;
    /** A cut-back failed: bytes after {@link #position} are not ours until cut off. */
    private boolean failed;

    private SegmentLog(Path dir, long segmentSize, long firstSegment, Disk disk) {
        this.dir = dir;
        this.segmentSize = segmentSize;
        this.disk = disk;
        this.segment = firstSegment;
        this.file = file(dir, firstSegment);
        writer = Thread.ofPlatform().name("spool-writer").daemon().start(this::writeLoop);
        syncer = Thread.ofPlatform().name("spool-syncer").daemon().start(this::syncLoop);
    }

    /** Opens for appending in a new segment after the existing ones (they are never written again). */
    static SegmentLog open(Path dir, long segmentSize, Disk disk) throws IOException {
        List<Long> existing = segments(dir);
        return new SegmentLog(dir, segmentSize, existing.isEmpty() ? 1 : existing.getLast() + 1, disk);
    }

    long currentSegment() {
        return segment;
    }

    static Path file(Path dir, long segment) {
        return dir.resolve(String.format("%010d%s", segment, SUFFIX));
    }

    static List<Long> segments(Path dir) throws IOException {
        List<Long> out = new ArrayList<>();
        try (var s = Files.list(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String n = p.getFileName().toString();
                if (n.endsWith(SUFFIX) && n.length() == 10 + SUFFIX.length()) {
                    try {
                        out.add(Long.parseLong(n.substring(0, 10)));
                    } catch (NumberFormatException ignored) {
                        // not ours
                    }
                }
            }
        }
        out.sort(null);
        return out;
    }

    /**
     * Appends one record and returns once it is on disk.
     *
     * @throws SpoolFullException when the disk is full; the record was not written
     */
    Position append(byte type, ByteBuffer... parts) throws IOException {
        return submit(type, parts).await();
    }

    /**
     * Hands one record to the writer and returns at once: records reach the log in the order of
     * their submit calls, and {@link Pending#await} says when this one is on disk. Callers that
     * must keep several records in order (changes to one message) submit under their lock and
     * wait outside it, so that one commit's fsync does not hold up unrelated ones.
     */
    Pending submit(byte type, ByteBuffer... parts) throws IOException {
        long length = 0;
        for (ByteBuffer b : parts) length += b.remaining();
        if (length > MAX_PAYLOAD) throw new IOException("record too large");
        // The checksum is computed here, on the caller's thread, not on the single writer thread.
        var req = new Request(header(type, parts, length), parts, length, new CompletableFuture<>());
        try {
            if (!running) throw new IOException("spool is closed");
            queue.put(req);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while committing", e);
        }
        return new Pending(req.done);
    }

    /** A submitted record on its way to the disk. */
    static final class Pending {
        private final CompletableFuture<Position> done;

        private Pending(CompletableFuture<Position> done) {
            this.done = done;
        }

        /**
         * Returns once the record is on disk, with where it starts.
         *
         * @throws SpoolFullException when the disk is full; the record was not written
         */
        Position await() throws IOException {
            try {
                return done.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while committing", e);
            } catch (ExecutionException e) {
                // One failure is shared by the whole batch: each caller gets its own exception around it.
                var failure = new IOException("could not write to the spool: " + e.getCause().getMessage(), e.getCause());
                throw SpoolFullException.classify("could not write to the spool", failure);
            }
        }
    }

    /** A batch written to the file and not yet synced: its records, where each starts, and where it ends. */
    private record Written(List<Request> batch, Position[] where, long end) {}

    /**
     * The writer: takes whatever records have queued up and writes them with one gathering write,
     * without waiting for the previous batch's fdatasync. So a record is in the kernel's page cache
     * (where it survives a crash of the process, though not a power cut) within a write's time,
     * and only its acknowledgement waits for the disk.
     */
    private void writeLoop() {
        List<Request> batch = new ArrayList<>();
        while (running || !queue.isEmpty()) {
            try {
                Request first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) continue;
                batch.add(first);
                queue.drainTo(batch, 1023);
                writeBatch(batch);
            } catch (InterruptedException e) {
                break;
            } catch (RuntimeException e) {
                log.error("spool writer failed", e);
                for (Request r : batch) r.done.completeExceptionally(new IOException("spool writer failed", e));
            }
            batch.clear();
        }
        lock.lock();
        try {
            writerDone = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void writeBatch(List<Request> batch) throws InterruptedException {
        lock.lock();
        try {
            cutOffFailedBatch(); // a cut that failed earlier is done before anything follows it
            long bytes = 0;
            for (Request r : batch) bytes += HEADER + r.length;
            if (channel != null && position > 0 && position + bytes > segmentSize) {
                // the old segment is let go only once all of it is synced: its records' callers wait on that
                while (!unsynced.isEmpty() || syncing) changed.await();
                start(segment + 1, Records.OPENED_AFTER_FULL);
            }
            if (channel == null) start(segment, opened);
            List<ByteBuffer> all = new ArrayList<>(batch.size() * 4 + 2);
            long at = position;
            if (at == 0) { // every segment says first why it was started
                ByteBuffer[] marker = {Records.segment(opened)};
                all.add(header(Records.SEGMENT, marker, marker[0].remaining()));
                all.add(marker[0]);
                at += HEADER + marker[0].remaining();
            }
            Position[] where = new Position[batch.size()];
            for (int i = 0; i < batch.size(); i++) {
                Request r = batch.get(i);
                all.add(r.header);
                all.addAll(List.of(r.parts));
                where[i] = new Position(segment, at);
                at += HEADER + r.length;
            }
            try {
                disk.write(file, channel, all.toArray(ByteBuffer[]::new));
            } catch (IOException e) {
                log.error("spool: write to {} failed, {} records not committed: {}", file, batch.size(), e.toString());
                try { // before the callers hear of it: when they do, nothing of the batch is left
                    cutBack(position);
                } catch (IOException again) {
                    log.error("spool: could not cut {} back to {} bytes: {}; trying again before the next write",
                            file, position, again.toString());
                }
                for (Request r : batch) r.done.completeExceptionally(e);
                return;
            }
            position = at;
            unsynced.add(new Written(List.copyOf(batch), where, at));
            changed.signalAll();
        } catch (IOException e) { // cutting back or starting a segment failed: nothing of the batch was written
            log.error("spool: cannot write to segment {}: {}", segment, e.toString());
            for (Request r : batch) r.done.completeExceptionally(e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * The syncer: fdatasync for every batch written since the last one, then the acknowledgements.
     * It syncs outside the lock, so the writer goes on writing meanwhile. If the sync fails, every
     * batch written since the last good one is cut off before its callers hear of it.
     */
    private void syncLoop() {
        while (true) {
            List<Written> round;
            FileChannel ch;
            Path f;
            lock.lock();
            try {
                while (unsynced.isEmpty() && !writerDone) changed.await();
                if (unsynced.isEmpty()) return;
                round = new ArrayList<>(unsynced);
                unsynced.clear();
                syncing = true;
                ch = channel;
                f = file;
            } catch (InterruptedException e) {
                return;
            } finally {
                lock.unlock();
            }
            IOException failure = null;
            try {
                disk.force(f, ch); // fdatasync: only now may the callers say 250
            } catch (IOException e) {
                failure = e;
            }
            List<Written> failed = round;
            lock.lock();
            try {
                if (failure == null) {
                    synced = round.getLast().end();
                    failed = List.of();
                } else {
                    failed = new ArrayList<>(round);
                    failed.addAll(unsynced); // written after the failed sync: not ours to keep either
                    unsynced.clear();
                    int records = failed.stream().mapToInt(w -> w.batch().size()).sum();
                    log.error("spool: sync of {} failed, {} records not committed: {}", f, records, failure.toString());
                    try {
                        cutBack(synced);
                    } catch (IOException again) {
                        log.error("spool: could not cut {} back to {} bytes: {}; trying again before the next write",
                                f, synced, again.toString());
                    }
                }
                syncing = false;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
            if (failure == null) {
                int records = 0;
                for (Written w : round) {
                    for (int i = 0; i < w.batch().size(); i++) w.batch().get(i).done.complete(w.where()[i]);
                    records += w.batch().size();
                }
                metrics.synced(records);
            } else {
                for (Written w : failed) for (Request r : w.batch()) r.done.completeExceptionally(failure);
            }
        }
    }

    /**
     * After a failed write or fsync the file may hold bytes that are not acknowledged: cut it back
     * to {@code end}, so the next batch follows directly and recovery never sees the remains. A
     * segment with nothing synced in it goes altogether, rather than stay as an empty file. If the
     * cut fails, it is tried again before the next write.
     */
    private void cutBack(long end) throws IOException {
        position = end;
        failed = true;
        cutOffFailedBatch();
    }

    private void cutOffFailedBatch() throws IOException {
        if (!failed || channel == null) return;
        if (position == 0) {
            channel.close();
            channel = null;
            Files.deleteIfExists(file); // made again, and its name synced, for the next batch
        } else {
            disk.truncate(file, channel, position);
            disk.force(file, channel);
            channel.position(position);
        }
        failed = false;
    }

    private static ByteBuffer header(byte type, ByteBuffer[] parts, long length) {
        CRC32C crc = new CRC32C();
        crc.update(type);
        for (ByteBuffer b : parts) crc.update(b.duplicate());
        return ByteBuffer.allocate(HEADER).order(ByteOrder.BIG_ENDIAN)
                .putInt(MAGIC).put(type).putInt((int) length).putInt((int) crc.getValue()).flip();
    }

    /** Makes segment {@code number} the one written to; if that fails, the current one still is. */
    private void start(long number, byte why) throws IOException {
        Path f = file(dir, number);
        // Only a segment this process made and let go can be there: nothing in it was acknowledged.
        FileChannel made = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        try {
            disk.syncDirectory(dir); // the file's name must be durable before records in it are acknowledged
        } catch (IOException e) {
            made.close();
            Files.deleteIfExists(f);
            throw e;
        }
        if (channel != null) channel.close();
        channel = made;
        file = f;
        segment = number;
        opened = why;
        position = 0;
        synced = 0;
        failed = false;
    }

    @Override
    public void close() throws IOException {
        running = false;
        try {
            writer.join(10_000);
            syncer.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Request r; (r = queue.poll()) != null; ) r.done.completeExceptionally(new IOException("spool is closed"));
        lock.lock();
        try {
            if (channel != null) channel.close();
        } finally {
            lock.unlock();
        }
    }
}
