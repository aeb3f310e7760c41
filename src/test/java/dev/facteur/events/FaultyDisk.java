package dev.facteur.events;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.function.Predicate;

/**
 * The real disk, with every operation recorded as {@code "op name"} ({@code "force events.log"},
 * {@code "move webhook.cursor.new webhook.cursor"}), and made to fail the way a disk does on
 * demand: a write on a full disk writes part of its bytes, then fails with ENOSPC. Writes can
 * also be held, as on a disk that stalls.
 */
final class FaultyDisk implements Disk {

    static final String ENOSPC = "No space left on device";

    private final List<String> operations = new CopyOnWriteArrayList<>();
    private volatile Predicate<String> failing = op -> false;
    private volatile CountDownLatch held = new CountDownLatch(0);

    /** Every operation from now on that {@code which} accepts fails. */
    void fail(Predicate<String> which) {
        failing = which;
    }

    void heal() {
        failing = op -> false;
    }

    /** Writes wait from now on until {@link #release}. */
    void hold() {
        held = new CountDownLatch(1);
    }

    void release() {
        held.countDown();
    }

    /** What happened so far, then forgets it. */
    List<String> take() {
        List<String> out = new ArrayList<>(operations);
        operations.removeAll(out);
        return out;
    }

    List<String> operations() {
        return List.copyOf(operations);
    }

    long count(String operation) {
        return operations.stream().filter(operation::equals).count();
    }

    private void happen(String op) throws IOException {
        if (failing.test(op)) {
            operations.add(op + " FAILED");
            throw new IOException(ENOSPC);
        }
        operations.add(op);
    }

    private static String name(Path p) {
        return p.getFileName().toString();
    }

    @Override
    public void write(Path file, FileChannel channel, ByteBuffer data) throws IOException {
        try {
            held.await();
        } catch (InterruptedException e) {
            throw new IOException("interrupted", e);
        }
        String op = "write " + name(file);
        if (failing.test(op)) { // part of it lands, as on a disk that fills up during the write
            ByteBuffer half = data.duplicate();
            half.limit(half.position() + half.remaining() / 2);
            channel.write(half);
            operations.add(op + " FAILED");
            throw new IOException(ENOSPC);
        }
        operations.add(op);
        SYSTEM.write(file, channel, data);
    }

    @Override
    public void force(Path file, FileChannel channel) throws IOException {
        happen("force " + name(file));
        SYSTEM.force(file, channel);
    }

    @Override
    public void truncate(Path file, FileChannel channel, long size) throws IOException {
        happen("truncate " + name(file) + " " + size);
        SYSTEM.truncate(file, channel, size);
    }

    @Override
    public void move(Path from, Path to) throws IOException {
        happen("move " + name(from) + " " + name(to));
        SYSTEM.move(from, to);
    }

    @Override
    public void syncDirectory(Path directory) throws IOException {
        happen("sync-directory " + name(directory));
        SYSTEM.syncDirectory(directory);
    }

    @Override
    public void delete(Path file) throws IOException {
        happen("delete " + name(file));
        SYSTEM.delete(file);
    }
}
