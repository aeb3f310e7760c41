package dev.facteur.spool;

import dev.facteur.message.Envelope;
import dev.facteur.message.QueueId;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local-disk spool. Layout under its directory:
 * <pre>
 * segments/NNNNNNNNNN.log   group-committed records: MESSAGE (envelope + content), UPDATE, REMOVE
 * large/QUEUEID             content of messages over {@value #INLINE_LIMIT} bytes, fsynced on its own
 * incoming/                 drafts that outgrew memory, not yet committed (cleared at start)
 * lock                      held by the one process that writes
 * </pre>
 * Segments are deleted oldest first, and only when no live message has its MESSAGE record in
 * them; so an UPDATE or REMOVE record can never outlive the message it speaks of.
 */
public final class LogSpool implements Spool {

    private static final Logger log = LoggerFactory.getLogger("facteur.spool");

    static final byte MESSAGE = 1, UPDATE = 2, REMOVE = 3;
    static final int INLINE_LIMIT = 1024 * 1024;
    private static final long SEGMENT_SIZE = 64L * 1024 * 1024;

    /** Where a message's latest envelope and its content are. */
    private record Entry(Envelope envelope, long segment, long contentAt, long size, boolean external) {
        Entry withEnvelope(Envelope e) {
            return new Entry(e, segment, contentAt, size, external);
        }
    }

    private final Path segments;
    private final Path large;
    private final Path incoming;
    private final ConcurrentSkipListMap<QueueId, Entry> index = new ConcurrentSkipListMap<>();
    private final Map<Long, AtomicInteger> livePerSegment = new ConcurrentHashMap<>();
    private final Map<Long, FileChannel> readers = new ConcurrentHashMap<>();
    private final SegmentLog segmentLog;
    private final Object[] stripes = new Object[64];
    private final java.util.concurrent.locks.ReentrantLock collecting = new java.util.concurrent.locks.ReentrantLock();
    /** The oldest segment file that may still exist; segments are numbered consecutively. */
    private long oldestSegment;
    /** Compaction copies at most this many messages out of a segment at once. */
    static final int MAX_RELOCATED = 10_000;
    private final FileChannel lockChannel;

    private LogSpool(Path dir, boolean writable, long segmentSize) throws IOException {
        segments = dir.resolve("segments");
        large = dir.resolve("large");
        incoming = dir.resolve("incoming");
        if (writable) {
            for (Path p : List.of(dir, segments, large, incoming)) Files.createDirectories(p);
            lockChannel = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = lockChannel.tryLock();
            } catch (java.nio.channels.OverlappingFileLockException e) {
                lock = null; // held by this very process
            }
            if (lock == null) {
                lockChannel.close();
                throw new IOException("spool " + dir + " is in use by another Facteur process");
            }
        } else {
            lockChannel = null;
        }
        for (int i = 0; i < stripes.length; i++) stripes[i] = new Object();
        if (Files.isDirectory(segments)) {
            recover();
            List<Long> existing = SegmentLog.segments(segments);
            oldestSegment = existing.isEmpty() ? 1 : existing.getFirst();
        }
        if (writable) {
            clean();
            segmentLog = SegmentLog.open(segments, segmentSize);
            log.info("spool {}: {} messages recovered", dir, index.size());
        } else {
            segmentLog = null;
        }
    }

    /** Opens the spool for the server: recovers what is there and takes the lock. */
    public static LogSpool open(Path dir) throws IOException {
        return new LogSpool(dir, true, SEGMENT_SIZE);
    }

    /** With small segments, for tests of segment deletion and compaction. */
    static LogSpool open(Path dir, long segmentSize) throws IOException {
        return new LogSpool(dir, true, segmentSize);
    }

    /** Opens a spool to look at it (queue tools), even while a server is running. */
    public static LogSpool openReadOnly(Path dir) throws IOException {
        return new LogSpool(dir, false, SEGMENT_SIZE);
    }

    private void recover() throws IOException {
        SegmentLog.scan(segments, (seg, offset, type, payload) -> {
            switch (type) {
                case MESSAGE -> {
                    int envLen = payload.getInt();
                    byte[] env = new byte[envLen];
                    payload.get(env);
                    boolean external = payload.get() == 1;
                    long size = payload.getLong();
                    long contentAt = offset + SegmentLog.HEADER + payload.position();
                    Envelope e = EnvelopeCodec.decode(env);
                    Entry old = index.put(e.id(), new Entry(e, seg, contentAt, size, external));
                    if (old != null) live(old.segment).decrementAndGet();
                    live(seg).incrementAndGet();
                }
                case UPDATE -> {
                    byte[] env = new byte[payload.remaining()];
                    payload.get(env);
                    Envelope e = EnvelopeCodec.decode(env);
                    index.computeIfPresent(e.id(), (k, v) -> v.withEnvelope(e));
                }
                case REMOVE -> {
                    Entry old = index.remove(new QueueId(payload.getLong()));
                    if (old != null) live(old.segment).decrementAndGet();
                }
                default -> log.warn("segment {}: unknown record type {} at {}", seg, type, offset);
            }
        });
    }

    /** Drops uncommitted drafts and large files whose MESSAGE record never made it. */
    private void clean() throws IOException {
        try (var s = Files.list(incoming)) {
            for (Path p : (Iterable<Path>) s::iterator) Files.deleteIfExists(p);
        }
        try (var s = Files.list(large)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String name = p.getFileName().toString();
                boolean known;
                try {
                    known = index.containsKey(QueueId.parse(name));
                } catch (IllegalArgumentException e) {
                    known = false;
                }
                if (!known) Files.deleteIfExists(p);
            }
        }
    }

    private AtomicInteger live(long segment) {
        return livePerSegment.computeIfAbsent(segment, k -> new AtomicInteger());
    }

    @Override
    public Draft draft(QueueId id) throws IOException {
        requireWritable();
        return new LogDraft(id);
    }

    private void requireWritable() throws IOException {
        if (segmentLog == null) throw new IOException("spool opened read-only");
    }

    @Override
    public List<StoredMessage> messages() {
        return index.values().stream().map(e -> new StoredMessage(e.envelope, e.size)).toList();
    }

    @Override
    public Optional<StoredMessage> find(QueueId id) {
        return Optional.ofNullable(index.get(id)).map(e -> new StoredMessage(e.envelope, e.size));
    }

    @Override
    public InputStream openContent(QueueId id) throws IOException {
        Entry e = index.get(id);
        if (e == null) throw new IOException("no such message: " + id);
        if (e.external) return Files.newInputStream(large.resolve(id.toString()));
        FileChannel ch = readers.computeIfAbsent(e.segment, seg -> {
            try {
                return FileChannel.open(SegmentLog.file(segments, seg), StandardOpenOption.READ);
            } catch (IOException ex) {
                throw new java.io.UncheckedIOException(ex);
            }
        });
        return new RangeInputStream(ch, e.contentAt, e.size);
    }

    @Override
    public void update(Envelope envelope) throws IOException {
        requireWritable();
        synchronized (lockFor(envelope.id())) {
            if (!index.containsKey(envelope.id())) throw new IOException("no such message: " + envelope.id());
            segmentLog.append(UPDATE, ByteBuffer.wrap(EnvelopeCodec.encode(envelope)));
            index.computeIfPresent(envelope.id(), (k, v) -> v.withEnvelope(envelope));
        }
    }

    @Override
    public void remove(QueueId id) throws IOException {
        requireWritable();
        synchronized (lockFor(id)) {
            Entry e = index.get(id);
            if (e == null) return;
            segmentLog.append(REMOVE, ByteBuffer.allocate(8).putLong(id.value()).flip());
            index.remove(id);
            if (e.external) Files.deleteIfExists(large.resolve(id.toString()));
            live(e.segment).decrementAndGet();
        }
        collectSegments();
    }

    /**
     * Applies the changes in order. Not yet atomic: each change is its own record, so a crash
     * between two of them keeps the first ones only.
     */
    @Override
    public void commit(List<Change> changes) throws IOException {
        for (Change c : changes) {
            switch (c) {
                case Change.Add a -> a.draft().commit(a.envelope());
                case Change.Update u -> update(u.envelope());
                case Change.Remove r -> remove(r.id());
            }
        }
    }

    /** Updates, removals and relocation of one message are serialised, so the log keeps their order. */
    private Object lockFor(QueueId id) {
        return stripes[(int) (id.value() ^ (id.value() >>> 32)) & (stripes.length - 1)];
    }

    /**
     * Deletes the oldest segments while nothing live remains in them. When the oldest one still
     * holds a few long-deferred messages, they are copied forward first (compaction), so that
     * one old message cannot pin every newer segment on disk.
     */
    private void collectSegments() throws IOException {
        if (!collecting.tryLock()) return; // another thread is at it
        try {
            long current = segmentLog.currentSegment();
            while (oldestSegment < current) {
                int liveHere = live(oldestSegment).get();
                if (liveHere > 0) {
                    if (oldestSegment >= current - 1 || liveHere > MAX_RELOCATED) return;
                    relocate(oldestSegment);
                    if (live(oldestSegment).get() > 0) return;
                }
                FileChannel ch = readers.remove(oldestSegment);
                if (ch != null) ch.close();
                livePerSegment.remove(oldestSegment);
                Files.deleteIfExists(SegmentLog.file(segments, oldestSegment));
                oldestSegment++;
            }
        } finally {
            collecting.unlock();
        }
    }

    /** Writes the live messages of {@code seg} again at the head of the log, with their latest envelope. */
    private void relocate(long seg) throws IOException {
        List<QueueId> ids = index.entrySet().stream().filter(en -> en.getValue().segment == seg).map(Map.Entry::getKey).toList();
        for (QueueId id : ids) {
            synchronized (lockFor(id)) {
                Entry e = index.get(id);
                if (e == null || e.segment != seg) continue;
                byte[] env = EnvelopeCodec.encode(e.envelope);
                ByteBuffer head = ByteBuffer.allocate(4 + env.length + 1 + 8)
                        .putInt(env.length).put(env).put((byte) (e.external ? 1 : 0)).putLong(e.size).flip();
                SegmentLog.Position at;
                if (e.external) {
                    at = segmentLog.append(MESSAGE, head);
                } else {
                    byte[] content;
                    try (InputStream in = openContent(id)) {
                        content = in.readAllBytes();
                    }
                    at = segmentLog.append(MESSAGE, head, ByteBuffer.wrap(content));
                }
                index.put(id, new Entry(e.envelope, at.segment(), at.offset() + SegmentLog.HEADER + head.capacity(), e.size, e.external));
                live(at.segment()).incrementAndGet();
                live(seg).decrementAndGet();
            }
        }
        log.info("spool: moved {} long-queued messages out of segment {}", ids.size(), seg);
    }

    @Override
    public void close() throws IOException {
        if (segmentLog != null) segmentLog.close();
        for (FileChannel ch : readers.values()) ch.close();
        if (lockChannel != null) lockChannel.close();
    }

    /** A message being received: small ones stay in memory, big ones spill to a file. */
    private final class LogDraft implements Draft {
        private final QueueId id;
        private final SpillBuffer buffer;
        private boolean done;

        LogDraft(QueueId id) {
            this.id = id;
            this.buffer = new SpillBuffer(INLINE_LIMIT, incoming.resolve(id.toString()));
        }

        @Override
        public OutputStream content() {
            return buffer;
        }

        @Override
        public StoredMessage commit(Envelope envelope) throws IOException {
            if (done) throw new IllegalStateException("draft already finished");
            byte[] env = EnvelopeCodec.encode(envelope);
            boolean external = buffer.spilled();
            long size = buffer.size();
            if (external) {
                Path target = large.resolve(id.toString());
                buffer.syncAndClose();
                Files.move(buffer.file(), target, StandardCopyOption.ATOMIC_MOVE);
                SegmentLog.fsyncDirectory(large);
            }
            ByteBuffer head = ByteBuffer.allocate(4 + env.length + 1 + 8)
                    .putInt(env.length).put(env).put((byte) (external ? 1 : 0)).putLong(size).flip();
            ByteBuffer[] parts = external ? new ByteBuffer[] {head} : withHead(head, buffer.contents());
            SegmentLog.Position at = segmentLog.append(MESSAGE, parts);
            done = true;
            long contentAt = at.offset() + SegmentLog.HEADER + head.capacity();
            index.put(id, new Entry(envelope, at.segment(), contentAt, size, external));
            live(at.segment()).incrementAndGet();
            return new StoredMessage(envelope, size);
        }

        private static ByteBuffer[] withHead(ByteBuffer head, ByteBuffer[] content) {
            ByteBuffer[] parts = new ByteBuffer[content.length + 1];
            parts[0] = head;
            System.arraycopy(content, 0, parts, 1, content.length);
            return parts;
        }

        @Override
        public void close() {
            if (done) return;
            done = true;
            buffer.discard();
        }
    }

    /** Reads a byte range of a segment without moving any shared file position. */
    private static final class RangeInputStream extends InputStream {
        private final FileChannel ch;
        private long at;
        private final long end;

        RangeInputStream(FileChannel ch, long at, long length) {
            this.ch = ch;
            this.at = at;
            this.end = at + length;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (at >= end) return -1;
            int n = ch.read(ByteBuffer.wrap(b, off, (int) Math.min(len, end - at)), at);
            if (n < 0) throw new IOException("segment shorter than its index says");
            at += n;
            return n;
        }
    }
}
