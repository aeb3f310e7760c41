package dev.facteur.spool;

import dev.facteur.message.QueueId;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Reads a segment's records back, each checked against its length and checksum. A bad record does
 * not end the scan: the scanner resynchronises at the next offset where a whole record checks
 * (first where the bad record's own length points, else searching byte by byte for the magic),
 * reports the bytes it skipped, and goes on. Bad bytes with no good record after them are the
 * segment's tail: the batch being written when the server stopped, if the segment was the last
 * one written to; whether it was is the caller's to tell.
 */
final class SegmentScanner {

    /** Receives each intact record. Index 0 of {@code payload} is its first byte; valid during the call only. */
    interface Visitor {
        void record(long offset, byte type, ByteBuffer payload) throws IOException;
    }

    /** A record header found in damaged bytes: its type and the queue ids it seems to name, unverified. */
    record Suspect(long offset, byte type, List<QueueId> ids) {}

    /**
     * Bytes skipped between intact records.
     *
     * @param records how many records the bytes seem to have held (headers that chain by their
     *                lengths, plus one for bytes that do not), at least one
     */
    record Damage(long from, long to, int records, List<Suspect> suspects) {
        long bytes() {
            return to - from;
        }
    }

    /**
     * @param end    where the tail starts: after the last intact record, or at the damage before it
     * @param tail   bad bytes at the end, after which no intact record follows (0 when none)
     * @param damage bad bytes with intact records after them
     */
    record Report(long size, long end, long tail, List<Damage> damage, List<Suspect> tailSuspects) {}

    private static final int SEARCH_CHUNK = 64 * 1024;
    private static final int PEEK = 4096;
    /** Records are read through a window of this size: one read for many small records, not two each. */
    private static final int WINDOW = 1024 * 1024;

    private record Header(long offset, int magic, byte type, int length, int crc) {
        boolean plausible(long size) {
            return magic == SegmentLog.MAGIC && length >= 0 && offset + SegmentLog.HEADER + length <= size;
        }

        long next() {
            return offset + SegmentLog.HEADER + length;
        }
    }

    private final FileChannel ch;
    private final long size;
    /** Bytes of the file from {@link #windowAt}, reused; a record longer than it gets a buffer of its own. */
    private final ByteBuffer window;
    private long windowAt;

    private SegmentScanner(FileChannel ch) throws IOException {
        this.ch = ch;
        this.size = ch.size();
        this.window = ByteBuffer.allocate((int) Math.min(WINDOW, Math.max(size, SegmentLog.HEADER)));
        this.window.limit(0);
    }

    /** Hands every intact record of {@code file} to {@code v}, in order, and says what it skipped. */
    static Report scan(Path file, Visitor v) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return new SegmentScanner(ch).scan(v);
        }
    }

    private Report scan(Visitor v) throws IOException {
        List<Damage> damage = new ArrayList<>();
        long offset = 0;
        while (offset < size) {
            Header h = header(offset);
            ByteBuffer payload = h == null ? null : payloadIfValid(h);
            if (payload != null) {
                v.record(offset, h.type, payload);
                offset = h.next();
                continue;
            }
            long next = nextValid(h, offset);
            if (next < 0) return new Report(size, offset, size - offset, List.copyOf(damage), suspects(offset, size));
            damage.add(new Damage(offset, next, records(offset, next), suspects(offset, next)));
            offset = next;
        }
        return new Report(size, offset, 0, List.copyOf(damage), List.of());
    }

    /** Where the next intact record after a bad one at {@code offset} starts, or -1. */
    private long nextValid(Header bad, long offset) throws IOException {
        // Flipped bits in a payload leave the header right: the next record is where its length says.
        if (bad != null && bad.plausible(size) && bad.next() < size && isValidAt(bad.next())) return bad.next();
        byte[] magic = ByteBuffer.allocate(4).putInt(SegmentLog.MAGIC).array();
        ByteBuffer chunk = ByteBuffer.allocate(SEARCH_CHUNK);
        for (long from = offset + 1; from + SegmentLog.HEADER <= size; from += SEARCH_CHUNK - 3) {
            chunk.clear().limit((int) Math.min(SEARCH_CHUNK, size - from));
            readFully(chunk, from);
            byte[] b = chunk.array();
            for (int i = 0; i + 4 <= chunk.limit(); i++) {
                if (b[i] == magic[0] && b[i + 1] == magic[1] && b[i + 2] == magic[2] && b[i + 3] == magic[3]
                        && isValidAt(from + i)) return from + i;
            }
        }
        return -1;
    }

    private boolean isValidAt(long offset) throws IOException {
        Header h = header(offset);
        return h != null && payloadIfValid(h) != null;
    }

    /** How many records the bad bytes seem to have held: headers chained by their lengths, plus one for the rest. */
    private int records(long from, long to) throws IOException {
        int n = 0;
        long at = from;
        for (Header h; at < to && (h = header(at)) != null && h.plausible(to); at = h.next()) n++;
        return n + (at < to ? 1 : 0);
    }

    private List<Suspect> suspects(long from, long to) throws IOException {
        List<Suspect> out = new ArrayList<>();
        for (Header h; from < to && (h = header(from)) != null && h.plausible(to); from = h.next()) {
            ByteBuffer start = bytes(from + SegmentLog.HEADER, Math.min(h.length, PEEK));
            out.add(new Suspect(from, h.type, Records.peekIds(h.type, start)));
        }
        return out;
    }

    private Header header(long offset) throws IOException {
        if (offset + SegmentLog.HEADER > size) return null;
        ByteBuffer head = bytes(offset, SegmentLog.HEADER);
        return new Header(offset, head.getInt(0), head.get(4), head.getInt(5), head.getInt(9));
    }

    private ByteBuffer payloadIfValid(Header h) throws IOException {
        if (!h.plausible(size) || h.length > SegmentLog.MAX_PAYLOAD) return null;
        ByteBuffer payload = bytes(h.offset + SegmentLog.HEADER, h.length);
        CRC32C crc = new CRC32C();
        crc.update(h.type);
        crc.update(payload.duplicate());
        return (int) crc.getValue() == h.crc ? payload : null;
    }

    /**
     * {@code length} bytes of the file from {@code at} (which the caller knows to be there), as a
     * buffer whose index 0 is the byte at {@code at}: a slice of the window, refilled from
     * {@code at} when it does not hold them; valid until the next call.
     */
    private ByteBuffer bytes(long at, int length) throws IOException {
        if (length > window.capacity()) {
            ByteBuffer own = ByteBuffer.allocate(length);
            readFully(own, at);
            return own.flip();
        }
        if (at < windowAt || at + length > windowAt + window.limit()) {
            window.clear().limit((int) Math.min(window.capacity(), size - at));
            readFully(window, at);
            windowAt = at;
        }
        return window.slice((int) (at - windowAt), length);
    }

    private void readFully(ByteBuffer b, long at) throws IOException {
        while (b.hasRemaining()) {
            int n = ch.read(b, at);
            if (n < 0) throw new IOException("segment shorter than when the scan began");
            at += n;
        }
    }
}
