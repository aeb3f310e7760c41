package dev.facteur.spool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * Reads and damages segment files the way a disk or a person might, written from the format's
 * description rather than with the spool's own reader.
 */
final class SegmentFiles {

    private SegmentFiles() {}

    /** A record in an intact segment: where it starts, its type, its payload. */
    record Rec(long offset, byte type, byte[] payload) {
        long end() {
            return offset + SegmentLog.HEADER + payload.length;
        }

        /** Where the payload starts in the file. */
        long payloadAt() {
            return offset + SegmentLog.HEADER;
        }
    }

    static List<Path> segments(Path spool) throws IOException {
        try (Stream<Path> s = Files.list(spool.resolve("segments"))) {
            return s.sorted().toList();
        }
    }

    static List<Path> files(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    /** The records of a segment, which must be intact. */
    static List<Rec> records(Path segment) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(segment));
        List<Rec> out = new ArrayList<>();
        while (b.remaining() >= SegmentLog.HEADER) {
            long offset = b.position();
            if (b.getInt() != SegmentLog.MAGIC) throw new IllegalStateException("no record at " + offset);
            byte type = b.get();
            byte[] payload = new byte[b.getInt()];
            b.getInt();
            b.get(payload);
            out.add(new Rec(offset, type, payload));
        }
        if (b.hasRemaining()) throw new IllegalStateException(b.remaining() + " bytes after the last record");
        return out;
    }

    static List<Rec> records(Path segment, byte type) throws IOException {
        return records(segment).stream().filter(r -> r.type() == type).toList();
    }

    /** Inverts {@code length} bytes at {@code offset}: a bad sector, a bit-flipping cable. */
    static void flip(Path file, long offset, int length) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(length);
            ch.read(b, offset);
            for (int i = 0; i < length; i++) b.put(i, (byte) ~b.get(i));
            ch.write(b.flip(), offset);
        }
    }

    static void overwrite(Path file, long offset, byte[] bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(bytes), offset);
        }
    }

    static void truncate(Path file, long size) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(size);
        }
    }

    /** A whole record with a correct checksum, whatever its payload says. */
    static byte[] record(byte type, byte[] payload) {
        CRC32C crc = new CRC32C();
        crc.update(type);
        crc.update(payload);
        return ByteBuffer.allocate(SegmentLog.HEADER + payload.length).putInt(SegmentLog.MAGIC).put(type)
                .putInt(payload.length).putInt((int) crc.getValue()).put(payload).array();
    }

    /**
     * Replaces the record {@code r} of {@code segment} by one of the same type with {@code payload}
     * and a correct checksum, shifting what follows: a record whose checksum cannot catch the fault.
     */
    static void replace(Path segment, Rec r, byte[] payload) throws IOException {
        byte[] all = Files.readAllBytes(segment);
        byte[] rec = record(r.type(), payload);
        ByteBuffer out = ByteBuffer.allocate(all.length - (int) (r.end() - r.offset()) + rec.length);
        out.put(all, 0, (int) r.offset()).put(rec).put(all, (int) r.end(), all.length - (int) r.end());
        Files.write(segment, out.array());
    }

    static void append(Path segment, byte[] bytes) throws IOException {
        Files.write(segment, bytes, StandardOpenOption.APPEND);
    }
}
