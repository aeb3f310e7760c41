package dev.facteur.spool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * The real disk, with every operation recorded as {@code "op path"} (paths relative to the
 * spool), and made to fail on demand the way a disk does: a write on a full disk writes part of
 * its bytes, then fails with ENOSPC.
 */
final class RecordingDisk implements Disk {

    static final String ENOSPC = "No space left on device";

    private final Path spool;
    private final List<String> events = new CopyOnWriteArrayList<>();
    private volatile Predicate<String> failing = e -> false;
    private volatile String failure = ENOSPC;

    RecordingDisk(Path spool) {
        this.spool = spool;
    }

    /** Every operation from now on for which {@code which} holds fails, with strerror text {@code why}. */
    void fail(Predicate<String> which, String why) {
        failAfter(which, 0, why);
    }

    /** As {@link #fail}, once {@code passes} such operations have gone through. */
    void failAfter(Predicate<String> which, int passes, String why) {
        failure = why;
        AtomicInteger left = new AtomicInteger(passes);
        failing = e -> which.test(e) && left.getAndDecrement() <= 0;
    }

    void heal() {
        failing = e -> false;
    }

    /** What happened so far, then forgets it. */
    List<String> take() {
        List<String> out = new ArrayList<>(events);
        events.clear();
        return out;
    }

    /** Marks a point in the sequence, such as a commit returning. */
    void note(String what) {
        events.add(what);
    }

    private String name(Path p) {
        Path abs = p.toAbsolutePath();
        return abs.startsWith(spool) ? spool.relativize(abs).toString() : abs.toString();
    }

    private void happen(String event) throws IOException {
        if (failing.test(event)) {
            events.add(event + " FAILED");
            throw new IOException(failure);
        }
        events.add(event);
    }

    @Override
    public void write(Path file, FileChannel channel, ByteBuffer[] buffers) throws IOException {
        String event = "write " + name(file);
        if (failing.test(event)) { // part of it lands, as on a disk that fills up during the write
            if (buffers.length > 0) {
                ByteBuffer first = buffers[0].duplicate();
                first.limit(first.position() + first.remaining() / 2);
                channel.write(first);
            }
            events.add(event + " FAILED");
            throw new IOException(failure);
        }
        events.add(event);
        SYSTEM.write(file, channel, buffers);
    }

    @Override
    public void force(Path file, FileChannel channel) throws IOException {
        happen("fdatasync " + name(file));
        SYSTEM.force(file, channel);
    }

    @Override
    public void truncate(Path file, FileChannel channel, long size) throws IOException {
        happen("truncate " + name(file) + " " + size);
        SYSTEM.truncate(file, channel, size);
    }

    @Override
    public void move(Path from, Path to) throws IOException {
        happen("rename " + name(from) + " " + name(to));
        SYSTEM.move(from, to);
    }

    @Override
    public void syncDirectory(Path directory) throws IOException {
        happen("fsync-dir " + name(directory));
        SYSTEM.syncDirectory(directory);
    }
}
