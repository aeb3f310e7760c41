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
 * A torn or corrupt record ends the scan of its segment: it can only be the tail of a write that
 * was never acknowledged.
 */
final class SegmentLog implements Closeable {

    private static final Logger log = LoggerFactory.getLogger("facteur.spool");
    static final int MAGIC = 0x46435231; // "FCR1"
    static final int HEADER = 13;
    static final int MAX_PAYLOAD = Integer.MAX_VALUE - 64;
    private static final String SUFFIX = ".log";

    /** Where a record starts. */
    record Position(long segment, long offset) {}

    /** Receives each intact record during a scan; the payload buffer is only valid during the call. */
    interface Visitor {
        void record(long segment, long offset, byte type, ByteBuffer payload) throws IOException;
    }

    private record Request(byte type, ByteBuffer header, ByteBuffer[] parts, long length, CompletableFuture<Position> done) {}

    private final Path dir;
    private final long segmentSize;
    private final BlockingQueue<Request> queue = new ArrayBlockingQueue<>(4096);
    private final Thread writer;
    private volatile boolean running = true;

    private long segment;
    private FileChannel channel;
    private long position;

    private SegmentLog(Path dir, long segmentSize, long firstSegment) throws IOException {
        this.dir = dir;
        this.segmentSize = segmentSize;
        this.segment = firstSegment - 1;
        roll();
        writer = Thread.ofPlatform().name("spool-writer").daemon().start(this::writeLoop);
    }

    /** Opens for appending in a new segment after the existing ones (they are never written again). */
    static SegmentLog open(Path dir, long segmentSize) throws IOException {
        List<Long> existing = segments(dir);
        return new SegmentLog(dir, segmentSize, existing.isEmpty() ? 1 : existing.getLast() + 1);
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

    /** Appends one record and returns once it is on disk. */
    Position append(byte type, ByteBuffer... parts) throws IOException {
        long length = 0;
        for (ByteBuffer b : parts) length += b.remaining();
        if (length > MAX_PAYLOAD) throw new IOException("record too large");
        // The checksum is computed here, on the caller's thread, not on the single writer thread.
        var req = new Request(type, header(type, parts, length), parts, length, new CompletableFuture<>());
        try {
            if (!running) throw new IOException("spool is closed");
            queue.put(req);
            return req.done.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while committing", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
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
        long start = position;
        try {
            long batchBytes = 0;
            for (Request r : batch) batchBytes += HEADER + r.length;
            if (position > 0 && position + batchBytes > segmentSize) {
                roll();
                start = position;
            }
            List<ByteBuffer> all = new ArrayList<>(batch.size() * 4);
            Position[] where = new Position[batch.size()];
            long at = position;
            for (int i = 0; i < batch.size(); i++) {
                Request r = batch.get(i);
                all.add(r.header);
                all.addAll(List.of(r.parts));
                where[i] = new Position(segment, at);
                at += HEADER + r.length;
            }
            ByteBuffer[] bufs = all.toArray(ByteBuffer[]::new);
            long left = at - position;
            while (left > 0) left -= channel.write(bufs);
            position = at;
            channel.force(false);
            for (int i = 0; i < batch.size(); i++) batch.get(i).done.complete(where[i]);
        } catch (IOException e) {
            log.error("spool write failed ({} records not committed): {}", batch.size(), e.toString());
            for (Request r : batch) r.done.completeExceptionally(e);
            recoverFromFailedWrite(start);
        }
    }

    /** After a failed write or fsync the file's state is unknown: cut it back and move on to a new segment. */
    private void recoverFromFailedWrite(long start) {
        try {
            channel.truncate(start);
            channel.force(true);
        } catch (IOException e) {
            log.error("could not truncate segment {}: {}", segment, e.toString());
        }
        try {
            roll();
        } catch (IOException e) {
            log.error("could not start a new segment: {}", e.toString());
        }
    }

    private static ByteBuffer header(byte type, ByteBuffer[] parts, long length) {
        CRC32C crc = new CRC32C();
        crc.update(type);
        for (ByteBuffer b : parts) crc.update(b.duplicate());
        return ByteBuffer.allocate(HEADER).order(ByteOrder.BIG_ENDIAN)
                .putInt(MAGIC).put(type).putInt((int) length).putInt((int) crc.getValue()).flip();
    }

    private void roll() throws IOException {
        if (channel != null) channel.close();
        segment++;
        Path f = file(dir, segment);
        channel = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        position = 0;
        fsyncDirectory(dir); // the new file's name must be durable before records in it are acknowledged
    }

    static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    /** Reads every intact record of every segment, in order. */
    static void scan(Path dir, Visitor v) throws IOException {
        for (long seg : segments(dir)) scanSegment(dir, seg, v);
    }

    private static void scanSegment(Path dir, long seg, Visitor v) throws IOException {
        try (FileChannel ch = FileChannel.open(file(dir, seg), StandardOpenOption.READ)) {
            long size = ch.size();
            long offset = 0;
            ByteBuffer head = ByteBuffer.allocate(HEADER);
            while (offset + HEADER <= size) {
                head.clear();
                readFully(ch, head, offset);
                head.flip();
                int magic = head.getInt();
                byte type = head.get();
                int length = head.getInt();
                int crc = head.getInt();
                if (magic != MAGIC || length < 0 || offset + HEADER + length > size) {
                    if (magic != 0 || offset + HEADER + length <= size)
                        log.warn("segment {}: unreadable record at {}, ignoring the rest", seg, offset);
                    return;
                }
                ByteBuffer payload = ByteBuffer.allocate(length);
                readFully(ch, payload, offset + HEADER);
                payload.flip();
                CRC32C check = new CRC32C();
                check.update(type);
                check.update(payload.duplicate());
                if ((int) check.getValue() != crc) {
                    log.warn("segment {}: checksum mismatch at {}, ignoring the rest", seg, offset);
                    return;
                }
                v.record(seg, offset, type, payload);
                offset += HEADER + length;
            }
        }
    }

    static void readFully(FileChannel ch, ByteBuffer b, long at) throws IOException {
        while (b.hasRemaining()) {
            int n = ch.read(b, at);
            if (n < 0) throw new IOException("unexpected end of segment");
            at += n;
        }
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
        channel.close();
    }
}
