package dev.facteur.spool;

import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Collects a message's content in memory up to a limit, then in a file, so that a few large
 * messages cannot exhaust the heap. In memory it keeps a list of chunks, each twice the size of
 * the one before, so content is never copied to grow the buffer.
 */
final class SpillBuffer extends OutputStream {

    private static final int FIRST_CHUNK = 8192;

    private final int memoryLimit;
    private final Path file;
    private final List<byte[]> chunks = new ArrayList<>();
    private byte[] chunk; // the last of chunks, being filled
    private int used;     // bytes used in chunk
    private long size;
    private FileOutputStream fileOut;
    private OutputStream out;

    SpillBuffer(int memoryLimit, Path file) {
        this.memoryLimit = memoryLimit;
        this.file = file;
    }

    @Override
    public void write(int b) throws IOException {
        if (out == null && chunk != null && used < chunk.length && size < memoryLimit) {
            chunk[used++] = (byte) b;
            size++;
        } else {
            write(new byte[] {(byte) b}, 0, 1);
        }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (out == null && size + len > memoryLimit) spill();
        size += len;
        if (out != null) {
            out.write(b, off, len);
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

    private void spill() throws IOException {
        fileOut = new FileOutputStream(file.toFile());
        out = new BufferedOutputStream(fileOut, 64 * 1024);
        for (ByteBuffer b : contents()) out.write(b.array(), b.arrayOffset() + b.position(), b.remaining());
        chunks.clear();
        chunk = null;
    }

    boolean spilled() {
        return out != null;
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

    void syncAndClose() throws IOException {
        out.flush();
        fileOut.getFD().sync();
        out.close();
    }

    void discard() {
        chunks.clear();
        chunk = null;
        if (out != null) {
            try {
                out.close();
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
