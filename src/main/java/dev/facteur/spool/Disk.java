package dev.facteur.spool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Every write, sync and rename the spool's durability rests on, in one place, so that a test can
 * record their order or make them fail (a full disk, a failing fsync). Called once per batch or
 * per 64 KB, never per byte: the indirection costs nothing next to the system call behind it.
 * The path names the file for those tests; the channel is what is written.
 */
interface Disk {

    /** Writes all of {@code buffers} at the channel's position. */
    void write(Path file, FileChannel channel, ByteBuffer[] buffers) throws IOException;

    /** fdatasync(2): the file's data and size are on disk (its name is the directory's business). */
    void force(Path file, FileChannel channel) throws IOException;

    /** Cuts the file back to {@code size} bytes. */
    void truncate(Path file, FileChannel channel, long size) throws IOException;

    /** rename(2): the file is under its new name whole, or still under its old one. */
    void move(Path from, Path to) throws IOException;

    /** fsync(2) of a directory: the names just made or removed in it are on disk. */
    void syncDirectory(Path directory) throws IOException;

    Disk SYSTEM = new Disk() {
        @Override
        public void write(Path file, FileChannel channel, ByteBuffer[] buffers) throws IOException {
            long left = 0;
            for (ByteBuffer b : buffers) left += b.remaining();
            while (left > 0) left -= channel.write(buffers);
        }

        @Override
        public void force(Path file, FileChannel channel) throws IOException {
            channel.force(false);
        }

        @Override
        public void truncate(Path file, FileChannel channel, long size) throws IOException {
            channel.truncate(size);
        }

        @Override
        public void move(Path from, Path to) throws IOException {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        }

        @Override
        public void syncDirectory(Path directory) throws IOException {
            try (FileChannel d = FileChannel.open(directory, StandardOpenOption.READ)) {
                d.force(true);
            }
        }
    };
}
