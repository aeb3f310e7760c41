package dev.facteur.spool;

import dev.facteur.message.Envelope;
import dev.facteur.message.QueueId;
import dev.facteur.metrics.Metrics;
import dev.facteur.metrics.SpoolMetrics;
import dev.facteur.spool.Recovery.Entry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local-disk spool. Layout under its directory:
 * <pre>
 * segments/NNNNNNNNNN.log   group-committed records (see {@link Records})
 * large/QUEUEID             content of messages over {@value #INLINE_LIMIT} bytes, fsynced on its own
 * incoming/                 drafts that outgrew memory, not yet committed (cleared at start)
 * quarantine/               segments recovery could not read whole, kept for a person to look at
 * lock                      held by the one process that writes
 * </pre>
 * Segments are deleted oldest first, and only when no live message has its MESSAGE record in
 * them; so an UPDATE or REMOVE record can never outlive the message it speaks of.
 */
public final class LogSpool implements Spool {

    private static final Logger log = LoggerFactory.getLogger("facteur.spool");

    static final int INLINE_LIMIT = 1024 * 1024;
    private static final long SEGMENT_SIZE = 64L * 1024 * 1024;
    /** Compaction copies at most this many messages out of a segment at once. */
    static final int MAX_RELOCATED = 10_000;

    private final Path dir;
    private final Path segments;
    private final Path large;
    private final Path incoming;
    private final Path quarantine;
    private final Disk disk;
    private final ConcurrentSkipListMap<QueueId, Entry> index;
    private final Map<Long, AtomicInteger> livePerSegment = new ConcurrentHashMap<>();
    private final Map<Long, FileChannel> readers = new ConcurrentHashMap<>();
    /** Segments recovery could not read whole: moved to quarantine/ when their turn to go comes, never deleted. */
    private final Set<Long> damaged = ConcurrentHashMap.newKeySet();
    private final SegmentLog segmentLog;
    private final ReentrantLock[] stripes = new ReentrantLock[64];
    private final ReentrantLock collecting = new ReentrantLock();
    /** Orders the changes applied to the index (see {@link Recovery.Entry#stamp}). */
    private final AtomicLong stamps = new AtomicLong();
    /** Names drafts' spill files. */
    private final AtomicLong drafts = new AtomicLong();
    /** Messages with changes submitted to the log and not yet applied to the index; compaction leaves them be. */
    private final Map<QueueId, Integer> inFlight = new ConcurrentHashMap<>();
    /** The oldest segment file that may still exist; segments are numbered consecutively. */
    private long oldestSegment = 1;
    private final FileChannel lockChannel;
    private volatile SpoolMetrics metrics = Metrics.NONE.spool();

    private LogSpool(Path dir, boolean writable, long segmentSize, Disk disk) throws IOException {
        this.dir = dir;
        this.disk = disk;
        segments = dir.resolve("segments");
        large = dir.resolve("large");
        incoming = dir.resolve("incoming");
        quarantine = dir.resolve("quarantine");
        for (int i = 0; i < stripes.length; i++) stripes[i] = new ReentrantLock();
        if (writable) {
            for (Path p : List.of(dir, segments, large, incoming)) createDurably(p);
            lockChannel = lock(dir);
        } else {
            lockChannel = null;
        }
        Recovery recovered = null;
        if (Files.isDirectory(segments)) {
            recovered = Recovery.replay(segments, dir.toString());
            index = new ConcurrentSkipListMap<>(recovered.index); // from a sorted map: built in one pass, not put by put
            recovered.live.forEach((seg, n) -> livePerSegment.put(seg, new AtomicInteger(n)));
            damaged.addAll(recovered.damaged);
            List<Long> existing = SegmentLog.segments(segments);
            if (!existing.isEmpty()) oldestSegment = existing.getFirst();
        } else {
            index = new ConcurrentSkipListMap<>();
        }
        if (writable) {
            boolean anyDamage = recovered != null && (!recovered.damaged.isEmpty() || !recovered.lost.isEmpty());
            dropMessagesWithoutContent();
            clean(anyDamage);
            segmentLog = SegmentLog.open(segments, segmentSize, disk);
            log.info("spool {}: {} messages recovered", dir, index.size());
        } else {
            segmentLog = null;
        }
    }

    /** Opens the spool for the server: recovers what is there and takes the lock. */
    public static LogSpool open(Path dir) throws IOException {
        return new LogSpool(dir, true, SEGMENT_SIZE, Disk.SYSTEM);
    }

    /** With small segments, for tests of segment deletion and compaction. */
    static LogSpool open(Path dir, long segmentSize) throws IOException {
        return new LogSpool(dir, true, segmentSize, Disk.SYSTEM);
    }

    /** With the disk's writes and syncs watched or failed, for tests of durability. */
    static LogSpool open(Path dir, long segmentSize, Disk disk) throws IOException {
        return new LogSpool(dir, true, segmentSize, disk);
    }

    /** Opens a spool to look at it (queue tools), even while a server is running. */
    public static LogSpool openReadOnly(Path dir) throws IOException {
        return new LogSpool(dir, false, SEGMENT_SIZE, Disk.SYSTEM);
    }

    /** Measures the commits in {@code m} from now on (how long each waits, how many records a sync covers). */
    public LogSpool measuredBy(SpoolMetrics m) {
        metrics = m;
        if (segmentLog != null) segmentLog.metrics = m;
        return this;
    }

    /** Makes a directory the spool needs, its name on disk before anything goes in it. */
    private void createDurably(Path p) throws IOException {
        if (Files.isDirectory(p)) return;
        Files.createDirectories(p);
        if (p.toAbsolutePath().getParent() != null) disk.syncDirectory(p.toAbsolutePath().getParent());
    }

    private static FileChannel lock(Path dir) throws IOException {
        FileChannel ch = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // held by this very process
        }
        if (lock == null) {
            ch.close();
            throw new IOException("spool " + dir + " is in use by another Facteur process");
        }
        return ch;
    }

    /** A message whose large/ file is gone cannot be delivered; it is logged, not kept to fail at every attempt. */
    private void dropMessagesWithoutContent() {
        for (Entry e : List.copyOf(index.values())) {
            if (e.external() && !Files.exists(large.resolve(e.envelope().id().toString()))) {
                log.error("spool {}: {}: content file large/{} is missing; the message is lost", dir, e.envelope().id(), e.envelope().id());
                index.remove(e.envelope().id());
                live(e.segment()).decrementAndGet();
            }
        }
    }

    /**
     * Drops uncommitted drafts and large files whose MESSAGE record never made it. After damage
     * such a file may be the content of a message whose record was lost: it is kept in quarantine/.
     */
    private void clean(boolean afterDamage) throws IOException {
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
                if (known) continue;
                if (afterDamage) {
                    createDurably(quarantine);
                    disk.move(p, quarantine.resolve("large-" + name));
                    log.warn("spool {}: large/{} belongs to no message recovered: moved to quarantine/large-{}", dir, name, name);
                } else {
                    Files.deleteIfExists(p);
                }
            }
        }
        if (afterDamage && Files.isDirectory(quarantine)) disk.syncDirectory(quarantine);
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
        return index.values().stream().map(e -> new StoredMessage(e.envelope(), e.size())).toList();
    }

    /** The index's own order and weakly consistent view: nothing is copied but what is read. */
    @Override
    public Stream<StoredMessage> messagesAfter(QueueId after) {
        var from = after == null ? index : index.tailMap(after, false);
        return from.values().stream().map(e -> new StoredMessage(e.envelope(), e.size()));
    }

    @Override
    public Optional<StoredMessage> find(QueueId id) {
        return Optional.ofNullable(index.get(id)).map(e -> new StoredMessage(e.envelope(), e.size()));
    }

    @Override
    public InputStream openContent(QueueId id) throws IOException {
        Entry e = index.get(id);
        if (e == null) throw new IOException("no such message: " + id);
        if (e.external()) return Files.newInputStream(large.resolve(id.toString()));
        FileChannel ch = readers.computeIfAbsent(e.segment(), seg -> {
            try {
                return FileChannel.open(SegmentLog.file(segments, seg), StandardOpenOption.READ);
            } catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
        });
        return new RangeInputStream(ch, e.contentAt(), e.size());
    }

    @Override
    public void update(Envelope envelope) throws IOException {
        commit(List.of(new Change.Update(envelope)));
    }

    @Override
    public void remove(QueueId id) throws IOException {
        commit(List.of(new Change.Remove(id)));
    }

    /**
     * Writes the changes as one record (COMMIT when there are several: one length, one checksum,
     * so recovery applies all of them or none), then applies them to the index in order. The
     * content of every added message is durable before the record that names it: inline in the
     * record, or in large/, fsynced and renamed there with the directory synced.
     *
     * @throws SpoolFullException when the disk is full; then none of the changes is made, and
     *         the drafts are finished (nothing of them is kept)
     */
    @Override
    public void commit(List<Change> changes) throws IOException {
        long start = System.nanoTime();
        requireWritable();
        List<LogDraft> drafts = new ArrayList<>();
        Map<LogDraft, Boolean> seen = new IdentityHashMap<>();
        for (Change c : changes) {
            if (c instanceof Change.Add a) {
                if (!(a.draft() instanceof LogDraft d) || d.spool() != this) throw new IllegalArgumentException("not a draft of this spool");
                if (seen.put(d, true) != null) throw new IllegalArgumentException("draft added twice");
                d.requireOpen();
                drafts.add(d);
            }
        }
        Applied applied;
        try {
            boolean anyLarge = false;
            for (LogDraft d : drafts) anyLarge |= d.moveContentToLarge();
            if (anyLarge) disk.syncDirectory(large); // the large/ names are on disk before a record names them
            // The locks keep the records of one message in order in the log; the wait for the disk
            // happens outside them, so a commit does not hold up unrelated ones through its fsync.
            Submitted submitted;
            List<ReentrantLock> held = lockFor(changes);
            try {
                submitted = submit(changes);
            } finally {
                for (ReentrantLock l : held.reversed()) l.unlock();
            }
            try {
                applied = submitted == null ? new Applied(false, List.of()) : apply(submitted);
            } finally {
                if (submitted != null) for (QueueId id : submitted.ids) inFlight.computeIfPresent(id, (k, n) -> n == 1 ? null : n - 1);
            }
        } catch (IOException e) {
            for (LogDraft d : drafts) d.discard();
            throw SpoolFullException.classify("could not commit to the spool", e);
        } catch (RuntimeException e) {
            for (LogDraft d : drafts) d.discard();
            throw e;
        }
        for (LogDraft d : drafts) d.committed();
        metrics.committed(System.nanoTime() - start);
        for (QueueId id : applied.largeFiles()) {
            try {
                Files.deleteIfExists(large.resolve(id.toString()));
            } catch (IOException e) {
                log.warn("spool {}: could not delete large/{} of a removed message: {} (deleted at next start)", dir, id, e.toString());
            }
        }
        if (applied.removedAny()) collectSegments();
    }

    /** One change as a record or a part of a COMMIT: its type and payload, and for an Add where its content starts. */
    private record Part(Change change, byte type, ByteBuffer[] payload, long length, long contentAt) {}

    /** What a commit did that needs tidying after: messages removed, and those of them whose content is in large/. */
    private record Applied(boolean removedAny, List<QueueId> largeFiles) {}

    /** Records handed to the log and not yet applied to the index: the ids they touch, and their order. */
    private record Submitted(List<Part> parts, SegmentLog.Pending pending, long stamp, Set<QueueId> ids) {}

    /**
     * Validates {@code changes} and hands them to the log as one record, under the locks of the ids
     * they touch; null when there is nothing to write. The ids stay in flight until applied.
     */
    private Submitted submit(List<Change> changes) throws IOException {
        List<Part> parts = new ArrayList<>();
        Set<QueueId> added = new TreeSet<>();
        Set<QueueId> ids = new TreeSet<>();
        for (Change c : changes) {
            switch (c) {
                case Change.Add a -> {
                    LogDraft d = (LogDraft) a.draft();
                    if (!a.envelope().id().equals(d.id)) throw new IllegalArgumentException("envelope " + a.envelope().id() + " for draft " + d.id);
                    ByteBuffer head = Records.messageHead(a.envelope(), d.external, d.size);
                    ByteBuffer[] payload = d.external ? new ByteBuffer[] {head} : withHead(head, d.buffer.contents());
                    parts.add(new Part(c, Records.MESSAGE, payload, head.remaining() + (d.external ? 0 : d.size), head.remaining()));
                    added.add(d.id);
                }
                case Change.Update u -> {
                    QueueId id = u.envelope().id();
                    if (!index.containsKey(id) && !added.contains(id)) throw new IOException("no such message: " + id);
                    ByteBuffer b = Records.update(u.envelope());
                    parts.add(new Part(c, Records.UPDATE, new ByteBuffer[] {b}, b.remaining(), 0));
                    ids.add(id);
                }
                case Change.Remove r -> {
                    if (!index.containsKey(r.id()) && !added.contains(r.id())) continue; // gone already
                    ByteBuffer b = Records.remove(r.id());
                    parts.add(new Part(c, Records.REMOVE, new ByteBuffer[] {b}, b.remaining(), 0));
                    ids.add(r.id());
                }
            }
        }
        if (parts.isEmpty()) return null;
        SegmentLog.Pending pending;
        if (parts.size() == 1) {
            Part p = parts.getFirst();
            pending = segmentLog.submit(p.type, p.payload);
        } else {
            List<ByteBuffer> all = new ArrayList<>();
            all.add(Records.commitHead(parts.size()));
            for (Part p : parts) {
                all.add(Records.changeHead(p.type, p.length));
                all.addAll(List.of(p.payload));
            }
            pending = segmentLog.submit(Records.COMMIT, all.toArray(ByteBuffer[]::new));
        }
        for (QueueId id : ids) inFlight.merge(id, 1, Integer::sum);
        return new Submitted(parts, pending, stamps.incrementAndGet(), ids);
    }

    /**
     * Waits until the record is on disk, then applies it to the index in the order replay would.
     * Records of one message were submitted in order, but their callers may wake in any order:
     * the stamps make the index keep the newest.
     */
    private Applied apply(Submitted submitted) throws IOException {
        List<Part> parts = submitted.parts;
        long stamp = submitted.stamp;
        SegmentLog.Position at = submitted.pending.await();
        long[] contentAt = new long[parts.size()];
        if (parts.size() == 1) {
            contentAt[0] = at.offset() + SegmentLog.HEADER + parts.getFirst().contentAt;
        } else {
            long offset = Records.COMMIT_HEAD;
            for (int i = 0; i < parts.size(); i++) {
                Part p = parts.get(i);
                contentAt[i] = at.offset() + SegmentLog.HEADER + offset + Records.CHANGE_HEAD + p.contentAt;
                offset += Records.CHANGE_HEAD + p.length;
            }
        }
        List<QueueId> removedLarge = new ArrayList<>();
        boolean removedAny = false;
        for (int i = 0; i < parts.size(); i++) {
            switch (parts.get(i).change) {
                case Change.Add a -> {
                    LogDraft d = (LogDraft) a.draft();
                    Entry old = index.put(d.id, new Entry(a.envelope(), at.segment(), contentAt[i], d.size, d.external, stamp));
                    if (old != null) live(old.segment()).decrementAndGet();
                    live(at.segment()).incrementAndGet();
                }
                case Change.Update u -> index.computeIfPresent(u.envelope().id(),
                        (k, v) -> v.stamp() <= stamp ? v.withEnvelope(u.envelope(), stamp) : v);
                case Change.Remove r -> {
                    Entry[] gone = new Entry[1];
                    index.computeIfPresent(r.id(), (k, v) -> {
                        if (v.stamp() > stamp) return v;
                        gone[0] = v;
                        return null;
                    });
                    Entry old = gone[0];
                    if (old != null) {
                        live(old.segment()).decrementAndGet();
                        if (old.external()) removedLarge.add(r.id());
                        removedAny = true;
                    }
                }
            }
        }
        return new Applied(removedAny, removedLarge);
    }

    private static ByteBuffer[] withHead(ByteBuffer head, ByteBuffer[] content) {
        ByteBuffer[] parts = new ByteBuffer[content.length + 1];
        parts[0] = head;
        System.arraycopy(content, 0, parts, 1, content.length);
        return parts;
    }

    /** Updates, removals and relocation of one message are serialised, so the log keeps their order. */
    private ReentrantLock lockFor(QueueId id) {
        return stripes[stripe(id)];
    }

    private int stripe(QueueId id) {
        return (int) (id.value() ^ (id.value() >>> 32)) & (stripes.length - 1);
    }

    /** Takes the locks of the messages {@code changes} update or remove, in one order (no deadlock between commits). */
    private List<ReentrantLock> lockFor(List<Change> changes) {
        Set<Integer> order = new TreeSet<>();
        for (Change c : changes) {
            QueueId id = switch (c) {
                case Change.Add a -> null; // a new message: nobody else knows it yet
                case Change.Update u -> u.envelope().id();
                case Change.Remove r -> r.id();
            };
            if (id != null) order.add(stripe(id));
        }
        List<ReentrantLock> held = new ArrayList<>();
        for (int i : order) {
            stripes[i].lock();
            held.add(stripes[i]);
        }
        return held;
    }

    /**
     * Deletes the oldest segments while nothing live remains in them. When the oldest one still
     * holds a few long-deferred messages, they are copied forward first (compaction), so that
     * one old message cannot pin every newer segment on disk. A segment recovery could not read
     * whole goes to quarantine/ instead. Its caller's change is made already: a failure here is
     * logged, and tried again at the next removal.
     */
    private void collectSegments() {
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
                Path file = SegmentLog.file(segments, oldestSegment);
                if (damaged.contains(oldestSegment) && Files.exists(file)) {
                    createDurably(quarantine);
                    disk.move(file, quarantine.resolve(file.getFileName()));
                    disk.syncDirectory(quarantine);
                    log.warn("spool {}: damaged segment {} moved to quarantine/ (its live messages were copied forward)",
                            dir, file.getFileName());
                    damaged.remove(oldestSegment);
                } else {
                    Files.deleteIfExists(file);
                }
                // Gone for good before the next one goes: replay must never meet a segment whose older neighbour is back.
                disk.syncDirectory(segments);
                livePerSegment.remove(oldestSegment);
                oldestSegment++;
            }
        } catch (IOException e) {
            log.error("spool {}: could not collect segment {}: {}", dir, oldestSegment, e.toString());
        } finally {
            collecting.unlock();
        }
    }

    /** Writes the live messages of {@code seg} again at the head of the log, with their latest envelope. */
    private void relocate(long seg) throws IOException {
        List<QueueId> ids = index.entrySet().stream().filter(en -> en.getValue().segment() == seg).map(Map.Entry::getKey).toList();
        for (QueueId id : ids) {
            ReentrantLock lock = lockFor(id);
            lock.lock();
            try {
                Entry e = index.get(id);
                // a change on its way to the disk would be overtaken by the copy: leave it for the next round
                if (e == null || e.segment() != seg || inFlight.containsKey(id)) continue;
                ByteBuffer head = Records.messageHead(e.envelope(), e.external(), e.size());
                int headLength = head.remaining();
                SegmentLog.Position at;
                if (e.external()) {
                    at = segmentLog.append(Records.MESSAGE, head);
                } else {
                    byte[] content;
                    try (InputStream in = openContent(id)) {
                        content = in.readAllBytes();
                    }
                    at = segmentLog.append(Records.MESSAGE, head, ByteBuffer.wrap(content));
                }
                index.put(id, new Entry(e.envelope(), at.segment(), at.offset() + SegmentLog.HEADER + headLength, e.size(), e.external(),
                        stamps.incrementAndGet()));
                live(at.segment()).incrementAndGet();
                live(seg).decrementAndGet();
            } finally {
                lock.unlock();
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
        /** Set by {@link #moveContentToLarge}: where the content is and how long. */
        private boolean external;
        private long size;
        private boolean inLarge;

        LogDraft(QueueId id) {
            this.id = id;
            // a name of its own: a message whose content a filter rewrites has two drafts at once
            this.buffer = new SpillBuffer(INLINE_LIMIT, incoming.resolve(id + "." + drafts.incrementAndGet()), disk);
        }

        LogSpool spool() {
            return LogSpool.this;
        }

        void requireOpen() {
            if (done) throw new IllegalStateException("draft already finished");
        }

        @Override
        public OutputStream content() {
            return buffer;
        }

        @Override
        public InputStream written() throws IOException {
            return buffer.written();
        }

        @Override
        public StoredMessage commit(Envelope envelope) throws IOException {
            LogSpool.this.commit(List.of(new Change.Add(this, envelope)));
            return new StoredMessage(envelope, size);
        }

        /**
         * Content that outgrew memory goes to large/ before its record is written: fsynced, then
         * renamed (the caller syncs the directory once for all drafts of a commit). Returns
         * whether it did.
         */
        boolean moveContentToLarge() throws IOException {
            buffer.requireIntact();
            external = buffer.spilled();
            size = buffer.size();
            if (!external) return false;
            buffer.syncAndClose(); // the content is on disk before a name in large/ says it is a message
            disk.move(buffer.file(), large.resolve(id.toString()));
            inLarge = true;
            return true;
        }

        void committed() {
            done = true;
        }

        /** The commit failed: nothing of the message is kept. */
        void discard() {
            close();
            if (inLarge) {
                try {
                    Files.deleteIfExists(large.resolve(id.toString()));
                } catch (IOException e) {
                    log.warn("spool {}: could not delete large/{} of a failed commit: {} (deleted at next start)", dir, id, e.toString());
                }
            }
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
