package dev.facteur.spool;

import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Collects a message's content in memory up to a limit, then in a file, so that a few large
 * messages cannot exhaust the heap.
 */
final class SpillBuffer extends OutputStream {

    private final int memoryLimit;
    private final Path file;
    private byte[] buf = new byte[8192];
    private long size;
    private FileOutputStream fileOut;
    private OutputStream out;

    SpillBuffer(int memoryLimit, Path file) {
        this.memoryLimit = memoryLimit;
        this.file = file;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (out == null && size + len > memoryLimit) spill();
        if (out != null) {
            out.write(b, off, len);
        } else {
            if (size + len > buf.length) buf = Arrays.copyOf(buf, (int) Math.min(memoryLimit, Math.max(buf.length * 2L, size + len)));
            System.arraycopy(b, off, buf, (int) size, len);
        }
        size += len;
    }

    private void spill() throws IOException {
        fileOut = new FileOutputStream(file.toFile());
        out = new BufferedOutputStream(fileOut, 64 * 1024);
        out.write(buf, 0, (int) size);
        buf = null;
    }

    boolean spilled() {
        return out != null;
    }

    long size() {
        return size;
    }

    byte[] bytes() {
        return buf;
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
        buf = null;
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
