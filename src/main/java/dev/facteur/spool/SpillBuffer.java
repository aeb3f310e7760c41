package dev.facteur.spool;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Collects a message's content in memory up to a limit, then in a file, so that a few large
 * messages cannot exhaust the heap. In memory it keeps a list of chunks, each twice the size of
 * the one before, so content is never copied to grow the buffer. The file is written 64 KB at a
 * time through {@link Disk}. When writing it fails the file is deleted at once (on a full disk,
 * the room it took is what others need), and every later write or commit fails the same way.
 */
final class SpillBuffer extends OutputStream {

    private static final int FIRST_CHUNK = 8192;
    private static final int FILE_BUFFER = 64 * 1024;

    private final int memoryLimit;
    private final Path file;
    private final Disk disk;
    private final List<byte[]> chunks = new ArrayList<>();
    private byte[] chunk; // the last of chunks, being filled
    private int used;     // bytes used in chunk
    private long size;
    private FileChannel channel;
    private ByteBuffer pending; // written to the file when full
    private IOException failure;

    SpillBuffer(int memoryLimit, Path file, Disk disk) {
        this.memoryLimit = memoryLimit;
        this.file = file;
        this.disk = disk;
    }

    @Override
    public void write(int b) throws IOException {
        if (channel == null && chunk != null && used < chunk.length && size < memoryLimit) {
            chunk[used++] = (byte) b;
            size++;
        } else {
            write(new byte[] {(byte) b}, 0, 1);
        }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        requireIntact();
        if (channel == null && size + len > memoryLimit) spill();
        size += len;
        if (channel != null) {
            toFile(b, off, len);
            return;
        }
        while (len > 0) {
            if (chunk == null || used == chunk.length) {
                chunk = new byte[chunk == null ? FIRST_CHUNK : chunk.length * 2];
                chunks.add(chunk);
                used = 0;
            }
            int n = Math.min(len, chunk.length - used);
            System.arraycopy(b, off, chunk, used, n);
            used += n;
            off += n;
            len -= n;
        }
    }

    /** Throws the failure that ended this buffer, if one did. */
    void requireIntact() throws IOException {
        if (failure != null) throw failure;
    }

    private void spill() throws IOException {
        try {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
            pending = ByteBuffer.allocate(FILE_BUFFER);
            disk.write(file, channel, contents());
        } catch (IOException e) {
            throw failed(e);
        }
        chunks.clear();
        chunk = null;
    }

    private void toFile(byte[] b, int off, int len) throws IOException {
        try {
            if (len >= pending.remaining()) {
                pending.flip();
                disk.write(file, channel, new ByteBuffer[] {pending, ByteBuffer.wrap(b, off, len)});
                pending.clear();
            } else {
                pending.put(b, off, len);
            }
        } catch (IOException e) {
            throw failed(e);
        }
    }

    private IOException failed(IOException e) {
        failure = SpoolFullException.classify("could not store the message", e);
        discard();
        return failure;
    }

    boolean spilled() {
        return channel != null;
    }

    long size() {
        return size;
    }

    /** The content held in memory (not spilled), as buffers to write in order. */
    ByteBuffer[] contents() {
        ByteBuffer[] parts = new ByteBuffer[chunks.size()];
        for (int i = 0; i < parts.length; i++) {
            byte[] c = chunks.get(i);
            parts[i] = ByteBuffer.wrap(c, 0, i == parts.length - 1 ? used : c.length);
        }
        return parts;
    }

    Path file() {
        return file;
    }

    /**
     * The content written so far, to read again (a check that needs the body, a filter): from
     * memory, or from the file once spilled (what is buffered is written out first, not synced).
     * Read it before writing more.
     */
    InputStream written() throws IOException {
        requireIntact();
        if (channel == null) {
            List<InputStream> parts = new ArrayList<>();
            for (ByteBuffer b : contents()) parts.add(new ByteArrayInputStream(b.array(), b.position(), b.remaining()));
            return new SequenceInputStream(Collections.enumeration(parts));
        }
        try {
            pending.flip();
            disk.write(file, channel, new ByteBuffer[] {pending});
            pending.clear();
        } catch (IOException e) {
            throw failed(e);
        }
        FileChannel reader = FileChannel.open(file, StandardOpenOption.READ);
        return new BufferedInputStream(new FilterInputStream(Channels.newInputStream(reader)) {
            private long left = size;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (left <= 0) return -1;
                int n = super.read(b, off, (int) Math.min(len, left));
                if (n > 0) left -= n;
                return n;
            }
        }, FILE_BUFFER);
    }

    /** Writes out what is buffered and makes the file's content durable (fdatasync), then closes it. */
    void syncAndClose() throws IOException {
        requireIntact();
        try {
            pending.flip();
            disk.write(file, channel, new ByteBuffer[] {pending});
            pending.clear();
            disk.force(file, channel);
            channel.close();
        } catch (IOException e) {
            throw failed(e);
        }
    }

    void discard() {
        chunks.clear();
        chunk = null;
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // deleting anyway
            }
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // cleared at next start
            }
        }
    }
}
