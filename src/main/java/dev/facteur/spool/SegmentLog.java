package dev.facteur.spool;

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
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Append-only segment files with group commit: callers on many threads hand over records, one
 * writer thread writes whatever has queued up with one gathering write and one fdatasync, then
 * releases them all. On this class of disk a single fsync costs about as much as a few hundred
 * kilobytes of writing, so sharing it is what makes acceptance fast.
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
    private volatile boolean running = true;

    // Written by the writer thread only.
    /** The segment being written; its file does not exist before its first batch. */
    private volatile long segment;
    private Path file;
    private FileChannel channel;
    /** The end of the last batch written and synced: the next one goes here. */
    private long position;
    /** Why the current segment was started: {@link Records#OPENED_AT_START} or {@link Records#OPENED_AFTER_FULL}. */
    private byte opened = Records.OPENED_AT_START;
    /** A batch failed: bytes after {@link #position} are not ours until cut off. */
    private boolean failed;

    private SegmentLog(Path dir, long segmentSize, long firstSegment, Disk disk) {
        this.dir = dir;
        this.segmentSize = segmentSize;
        this.disk = disk;
        this.segment = firstSegment;
        this.file = file(dir, firstSegment);
        writer = Thread.ofPlatform().name("spool-writer").daemon().start(this::writeLoop);
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

    /** Records submitted and not yet taken by the writer. */
    int waiting() {
        return queue.size();
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
    }

    private void writeBatch(List<Request> batch) {
        try {
            cutOffFailedBatch();
            long bytes = 0;
            for (Request r : batch) bytes += HEADER + r.length;
            if (channel != null && position > 0 && position + bytes > segmentSize) start(segment + 1, Records.OPENED_AFTER_FULL);
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
            failed = true; // until synced: from here a failure may leave bytes to cut off
            disk.write(file, channel, all.toArray(ByteBuffer[]::new));
            disk.force(file, channel); // fdatasync: only now may the callers say 250
            failed = false;
            position = at;
            for (int i = 0; i < batch.size(); i++) batch.get(i).done.complete(where[i]);
        } catch (IOException e) {
            log.error("spool: write to {} failed, {} records not committed: {}", file, batch.size(), e.toString());
            try { // before the callers hear of it: when they do, nothing of the batch is left
                cutOffFailedBatch();
            } catch (IOException again) {
                log.error("spool: could not cut {} back to {} bytes: {}; trying again before the next write",
                        file, position, again.toString());
            }
            for (Request r : batch) r.done.completeExceptionally(e);
        }
    }

    /**
     * After a failed write or fsync the file may hold part of the batch: cut it back to the last
     * synced batch, so the next batch follows it directly and recovery never sees the remains. A
     * segment with nothing synced in it goes altogether, rather than stay as an empty file.
     */
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
        failed = false;
    }

    @Override
    public void close() throws IOException {
        running = false;
        try {
            writer.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Request r; (r = queue.poll()) != null; ) r.done.completeExceptionally(new IOException("spool is closed"));
        if (channel != null) channel.close();
    }
}
