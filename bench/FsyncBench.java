import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;

import static java.nio.file.StandardOpenOption.APPEND;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

/**
 * Durable writes per second of 4 KB records on this disk, for the ways a spool can make an
 * accepted message durable before answering "250 OK":
 *
 * <pre>
 *   (a) one file per record: create, write, force(true), then fsync the directory
 *   (b) as (a) without the directory fsync (the new name may not survive a crash)
 *   (c) group commit: writers queue their record; one thread appends everything queued
 *       to a single log with one write and one force(false), then releases the batch
 *   (d) as (c) with a single producer: no concurrency, so every batch holds one record
 * </pre>
 *
 * Usage: {@code $JAVA_HOME/bin/java bench/FsyncBench.java [dir]} (default: java.io.tmpdir).
 * Files go to a temporary folder inside dir, deleted at the end. Producers are virtual
 * threads, as in the server; the JDK adds carrier threads while they block in file I/O.
 */
public class FsyncBench {
    static final int RECORD = 4096;
    static final int WRITERS = 50;
    static final long SECONDS = 5;

    public static void main(String[] args) throws Exception {
        Path base = Path.of(args.length > 0 ? args[0] : System.getProperty("java.io.tmpdir"));
        Path dir = Files.createTempDirectory(base, "fsyncbench-");
        System.out.printf("FsyncBench: %d writers, %d-byte records, %d s per strategy, dir %s%n",
                WRITERS, RECORD, SECONDS, dir);
        try {
            report("(a) file per record, fsync file + dir", perFile(dir.resolve("a"), true), "");
            report("(b) file per record, fsync file only", perFile(dir.resolve("b"), false), "");
            GroupResult c = groupCommit(dir.resolve("c"), WRITERS);
            report("(c) group commit, 1 log, 1 fdatasync/batch", c.rate, avg(c));
            GroupResult d = groupCommit(dir.resolve("d"), 1);
            report("(d) group commit, 1 producer (reference)", d.rate, avg(d));
        } finally {
            deleteTree(dir);
        }
    }

    static void report(String name, double rate, String extra) {
        System.out.printf("%-44s %8.0f records/s%s%n", name, rate, extra);
    }

    static String avg(GroupResult r) {
        return String.format("  (avg batch %.1f records)", (double) r.records / r.batches);
    }

    /** Runs {@code n} producers calling {@code body} until the time is up; returns records/s. */
    static double runProducers(int n, ThrowingRunnable body) throws InterruptedException {
        LongAdder done = new LongAdder();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(SECONDS);
        long start = System.nanoTime();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    while (System.nanoTime() < deadline) {
                        body.run();
                        done.increment();
                    }
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            }));
        }
        for (Thread t : threads) t.join();
        return done.sum() / ((System.nanoTime() - start) / 1e9);
    }

    // (a) and (b)
    static double perFile(Path dir, boolean syncDir) throws Exception {
        Files.createDirectories(dir);
        AtomicLong seq = new AtomicLong();
        byte[] data = new byte[RECORD];
        return runProducers(WRITERS, () -> {
            Path file = dir.resolve("msg-" + seq.incrementAndGet());
            try (FileChannel ch = FileChannel.open(file, CREATE_NEW, WRITE)) {
                writeFully(ch, ByteBuffer.wrap(data));
                ch.force(true);
            }
            if (syncDir) {
                try (FileChannel d = FileChannel.open(dir, READ)) {
                    d.force(true);
                }
            }
        });
    }

    // (c) and (d)
    record Request(byte[] data, CompletableFuture<Void> done) {}

    record GroupResult(double rate, long records, long batches) {}

    static GroupResult groupCommit(Path dir, int producers) throws Exception {
        Files.createDirectories(dir);
        LinkedBlockingQueue<Request> queue = new LinkedBlockingQueue<>();
        LongAdder records = new LongAdder();
        LongAdder batches = new LongAdder();
        FileChannel log = FileChannel.open(dir.resolve("spool.log"), CREATE, WRITE, APPEND);
        Thread writer = Thread.ofPlatform().name("log-writer").start(() -> {
            List<Request> batch = new ArrayList<>();
            try {
                while (true) {
                    batch.add(queue.take());
                    queue.drainTo(batch);
                    ByteBuffer buf = ByteBuffer.allocate(batch.size() * RECORD);
                    for (Request r : batch) buf.put(r.data());
                    writeFully(log, buf.flip());
                    log.force(false);
                    records.add(batch.size());
                    batches.increment();
                    for (Request r : batch) r.done().complete(null);
                    batch.clear();
                }
            } catch (InterruptedException e) {
                // done
            } catch (IOException e) {
                for (Request r : batch) r.done().completeExceptionally(e);
                throw new UncheckedIOException(e);
            }
        });
        byte[] data = new byte[RECORD];
        double rate = runProducers(producers, () -> {
            Request r = new Request(data, new CompletableFuture<>());
            queue.put(r);
            r.done().join();
        });
        writer.interrupt();
        writer.join();
        log.close();
        return new GroupResult(rate, records.sum(), batches.sum());
    }

    static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) ch.write(buf);
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
