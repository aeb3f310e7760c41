package dev.facteur.events;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Every write, sync, rename and removal the event log and the webhook's cursor rest on, in one
 * place, so that a test can count the syncs (group commit is the point) or make them fail the
 * way a full disk does. The path names the file for those tests; the channel is what is written.
 */
interface Disk {

    /** Writes all of {@code data} at the channel's position. */
    void write(Path file, FileChannel channel, ByteBuffer data) throws IOException;

    /** fdatasync(2): the file's data and size are on disk. */
    void force(Path file, FileChannel channel) throws IOException;

    /** Cuts the file back to {@code size} bytes. */
    void truncate(Path file, FileChannel channel, long size) throws IOException;

    /** rename(2), replacing {@code to}: the file is under its new name whole, or still under its old one. */
    void move(Path from, Path to) throws IOException;

    /** fsync(2) of a directory: the names just made, renamed or removed in it are on disk. */
    void syncDirectory(Path directory) throws IOException;

    void delete(Path file) throws IOException;

    Disk SYSTEM = new Disk() {
        @Override
        public void write(Path file, FileChannel channel, ByteBuffer data) throws IOException {
            while (data.hasRemaining()) channel.write(data);
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
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }

        @Override
        public void syncDirectory(Path directory) throws IOException {
            try (FileChannel d = FileChannel.open(directory, StandardOpenOption.READ)) {
                d.force(true);
            }
        }

        @Override
        public void delete(Path file) throws IOException {
            Files.deleteIfExists(file);
        }
    };
}
