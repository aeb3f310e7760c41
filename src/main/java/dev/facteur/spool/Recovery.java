package dev.facteur.spool;

import dev.facteur.message.Envelope;
import dev.facteur.message.QueueId;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replays the segments, oldest first, into the index of live messages: MESSAGE adds (the last one
 * of an id counts: compaction copies messages forward), UPDATE replaces the envelope, REMOVE
 * deletes, COMMIT applies its changes in order. It keeps every intact record, whatever lies
 * around it, and says which segments it could not read whole: those are never deleted.
 *
 * <p>Bad bytes at the end of a segment, with no intact record after them, are the batch being
 * written when the server stopped, never acknowledged: not damage. That can only be the last
 * segment a run of the server wrote to; the segment after it then begins a new run, so a tail
 * followed by a segment that says it was started because this one was full is damage after all.
 * (Segments from before format 2 say nothing; their tails are taken as torn, as before.)
 */
final class Recovery {

    private static final Logger log = LoggerFactory.getLogger("facteur.spool");

    /** Where a message's latest envelope and its content are. */
    /**
     * @param stamp the order of the last change applied to this entry: a change is applied only
     *              over an older one (recovery replays in log order and stamps nothing: 0)
     */
    record Entry(Envelope envelope, long segment, long contentAt, long size, boolean external, long stamp) {
        Entry withEnvelope(Envelope e, long newStamp) {
            return new Entry(e, segment, contentAt, size, external, newStamp);
        }
    }

    /** A record whose checksum matched but whose content this code cannot read. */
    private record Unreadable(long offset, byte type, List<QueueId> ids, String why) {}

    /** A decoded record, and where its payload starts in the segment. */
    private record Read(long payloadAt, Records.Decoded record) {}

    /** What the replay of one segment found. */
    private static final class Segment {
        final long number;
        Records.Segment marker;
        int records;
        final List<Unreadable> unreadable = new ArrayList<>();
        SegmentScanner.Report report;
        /** Its intact, readable records in order, until they are applied. */
        List<Read> read = new ArrayList<>();

        Segment(long number) {
            this.number = number;
        }
    }

    final TreeMap<QueueId, Entry> index = new TreeMap<>();
    final Map<Long, Integer> live = new HashMap<>();
    /** Segments not read whole: kept, and moved to quarantine/ rather than deleted. */
    final Set<Long> damaged = new TreeSet<>();
    /** Ids whose UPDATE records outlive their MESSAGE record: lost, unless a later MESSAGE or REMOVE appears. */
    final Set<QueueId> lost = new LinkedHashSet<>();

    private final String name;

    private Recovery(String name) {
        this.name = name;
    }

    /**
     * Replays the segments under {@code dir}; {@code name} says which spool in log lines. Reading
     * and decoding a segment is most of the work and needs nothing from the others: segments are
     * read on a few threads, a few ahead of the one being applied; their changes are applied on
     * this thread, one segment after the other, in log order.
     */
    static Recovery replay(Path dir, String name) throws IOException {
        var r = new Recovery(name);
        List<Segment> segments = new ArrayList<>();
        int threads = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
        ExecutorService readers = Executors.newFixedThreadPool(threads, Thread.ofPlatform().daemon().name("spool-recovery-", 1).factory());
        try {
            Deque<Future<Segment>> ahead = new ArrayDeque<>();
            Iterator<Long> numbers = SegmentLog.segments(dir).iterator();
            while (numbers.hasNext() || !ahead.isEmpty()) {
                while (numbers.hasNext() && ahead.size() <= threads) {
                    long n = numbers.next();
                    ahead.add(readers.submit(() -> r.read(dir, n)));
                }
                Segment s = result(ahead.removeFirst());
                for (Read read : s.read) r.apply(s.number, read.payloadAt(), read.record());
                s.read = null;
                segments.add(s);
            }
        } finally {
            readers.shutdownNow();
        }
        for (int i = 0; i < segments.size(); i++) r.judge(segments.get(i), i + 1 < segments.size() ? segments.get(i + 1) : null);
        if (!r.lost.isEmpty()) {
            log.error("spool {}: {} messages updated but their MESSAGE record is gone (lost in damaged segments): {}",
                    name, r.lost.size(), r.lost);
        }
        return r;
    }

    private static Segment result(Future<Segment> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while reading the spool");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) throw io;
            if (e.getCause() instanceof RuntimeException re) throw re;
            if (e.getCause() instanceof Error err) throw err;
            throw new IOException(e.getCause());
        }
    }

    /** Scans and decodes segment {@code n}; applies nothing (any thread). */
    private Segment read(Path dir, long n) throws IOException {
        Segment s = new Segment(n);
        s.report = SegmentScanner.scan(SegmentLog.file(dir, n), (offset, type, payload) -> record(s, offset, type, payload));
        return s;
    }

    private void record(Segment s, long offset, byte type, ByteBuffer payload) {
        s.records++;
        Records.Decoded d;
        try {
            d = Records.decode(type, payload);
        } catch (IOException e) {
            var bad = new Unreadable(offset, type, Records.peekIds(type, payload), e.getMessage());
            s.unreadable.add(bad);
            log.warn("spool {}: segment {} offset {}: {} record skipped, unreadable: {} (queue ids {})",
                    name, fileName(s.number), offset, Records.name(type), bad.why, bad.ids);
            return;
        }
        long payloadAt = offset + SegmentLog.HEADER;
        switch (d) {
            case Records.Segment m -> {
                if (offset == 0) s.marker = m;
            }
            case Records.Commit c -> {
                for (Records.Decoded change : c.changes()) s.read.add(new Read(payloadAt, change));
            }
            default -> s.read.add(new Read(payloadAt, d));
        }
    }

    private void apply(long segment, long payloadAt, Records.Decoded change) {
        switch (change) {
            case Records.Message m -> {
                QueueId id = m.envelope().id();
                Entry old = index.put(id, new Entry(m.envelope(), segment, payloadAt + m.contentAt(), m.size(), m.external(), 0));
                if (old != null) live.merge(old.segment(), -1, Integer::sum);
                live.merge(segment, 1, Integer::sum);
                lost.remove(id);
            }
            case Records.Update u -> {
                QueueId id = u.envelope().id();
                if (index.computeIfPresent(id, (k, v) -> v.withEnvelope(u.envelope(), 0)) == null) lost.add(id);
            }
            case Records.Remove r -> {
                Entry old = index.remove(r.id());
                if (old != null) live.merge(old.segment(), -1, Integer::sum);
                lost.remove(r.id());
            }
            case Records.Segment m -> { } // not a change
            case Records.Commit c -> { } // not nested
        }
    }

    /** Decides whether {@code s} was read whole, and says so in the log. */
    private void judge(Segment s, Segment next) {
        SegmentScanner.Report r = s.report;
        boolean nextContinuesThisRun = next != null && next.number == s.number + 1 && next.marker != null && next.marker.afterFull();
        boolean tornTail = r.tail() > 0 && !nextContinuesThisRun;
        boolean damagedTail = r.tail() > 0 && nextContinuesThisRun;
        if (tornTail) {
            log.info("spool {}: segment {}: the last {} bytes (from offset {}) are a write that never completed, "
                    + "never acknowledged; ignored", name, fileName(s.number), r.tail(), r.end());
        }
        if (r.damage().isEmpty() && s.unreadable.isEmpty() && !damagedTail) return;
        damaged.add(s.number);
        Set<QueueId> ids = new LinkedHashSet<>();
        int skipped = 0;
        long bytes = 0;
        List<String> regions = new ArrayList<>();
        for (SegmentScanner.Damage d : r.damage()) {
            skipped += d.records();
            bytes += d.bytes();
            regions.add(d.from() + "-" + d.to() + " " + describe(d.suspects()));
            d.suspects().forEach(x -> ids.addAll(x.ids()));
        }
        if (damagedTail) {
            skipped += Math.max(1, r.tailSuspects().size());
            bytes += r.tail();
            regions.add(r.end() + "-" + r.size() + " (the end, before segment " + next.number + ") " + describe(r.tailSuspects()));
            r.tailSuspects().forEach(x -> ids.addAll(x.ids()));
        }
        for (Unreadable u : s.unreadable) {
            skipped++;
            regions.add("record at " + u.offset() + " " + Records.name(u.type()) + " unreadable: " + u.why());
            ids.addAll(u.ids());
        }
        log.error("spool {}: segment {} is damaged: {} bytes and about {} records skipped ({}); {} intact records read; "
                + "queue ids affected: {}; its messages will be copied forward and the file moved to quarantine/, never deleted",
                name, fileName(s.number), bytes, skipped, String.join("; ", regions), s.records - s.unreadable.size(),
                ids.isEmpty() ? "unknown" : ids);
    }

    private static String describe(List<SegmentScanner.Suspect> suspects) {
        if (suspects.isEmpty()) return "(no record header readable)";
        List<String> out = new ArrayList<>();
        for (SegmentScanner.Suspect s : suspects) out.add(Records.name(s.type()) + " " + s.ids() + " at " + s.offset());
        return "(unverified headers: " + String.join(", ", out) + ")";
    }

    static String fileName(long segment) {
        return SegmentLog.file(Path.of(""), segment).toString();
    }
}
