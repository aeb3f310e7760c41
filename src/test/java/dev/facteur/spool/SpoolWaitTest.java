package dev.facteur.spool;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.message.Body;
import dev.facteur.message.ClientInfo;
import dev.facteur.message.Envelope;
import dev.facteur.message.Mailbox;
import dev.facteur.message.Notify;
import dev.facteur.message.QueueId;
import dev.facteur.message.Recipient;
import dev.facteur.message.ReversePath;
import dev.facteur.testing.Patience;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The queue records an outcome right after the next hop's 250; until the record is at least in
 * the page cache, a crash of the process delivers the message again. So one message's wait for
 * the disk must not hold up another message's record: it is written at once, whatever locks the
 * two share, and acknowledged with the next fdatasync.
 */
class SpoolWaitTest {

    @TempDir
    Path dir;

    /** The real disk, whose fdatasync can be held back to see who is waiting behind it. */
    private static final class GatedDisk implements Disk {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch open = new CountDownLatch(1);
        final AtomicInteger writesWhileGated = new AtomicInteger();
        volatile boolean gated;
        /** The gated sync fails. */
        volatile boolean failing;

        @Override
        public void write(Path file, FileChannel channel, ByteBuffer[] buffers) throws IOException {
            Disk.SYSTEM.write(file, channel, buffers);
            if (gated) writesWhileGated.incrementAndGet();
        }

        @Override
        public void force(Path file, FileChannel channel) throws IOException {
            if (gated) {
                entered.countDown();
                try {
                    open.await();
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
                if (failing) {
                    failing = false;
                    throw new IOException("Input/output error");
                }
            }
            Disk.SYSTEM.force(file, channel);
        }

        @Override
        public void truncate(Path file, FileChannel channel, long size) throws IOException {
            Disk.SYSTEM.truncate(file, channel, size);
        }

        @Override
        public void move(Path from, Path to) throws IOException {
            Disk.SYSTEM.move(from, to);
        }

        @Override
        public void syncDirectory(Path directory) throws IOException {
            Disk.SYSTEM.syncDirectory(directory);
        }
    }

    private static Envelope envelope(QueueId id, Recipient.State state) {
        Recipient r = Recipient.pending(new Mailbox("r", "example.test"), Notify.DEFAULT, null);
        return new Envelope(id, Instant.ofEpochMilli(1_790_000_000_000L), ReversePath.of(new Mailbox("s", "example.org")),
                List.of(state == Recipient.State.PENDING ? r : r.withState(state)), -1, Body.SEVEN_BIT, false, null, null,
                new ClientInfo("127.0.0.1", "client", "ESMTP", ""));
    }

    @Test
    void aRecordIsWrittenWhileAnotherMessagesRecordWaitsForTheDisk() throws Exception {
        // ids 1 and 65 share a lock stripe: the case where a lock held through the fsync would serialise them
        QueueId a = new QueueId(1), b = new QueueId(65);
        var disk = new GatedDisk();
        try (LogSpool spool = LogSpool.open(dir.resolve("spool"), 64L << 20, disk)) {
            for (QueueId id : List.of(a, b)) {
                try (Spool.Draft d = spool.draft(id)) {
                    d.content().write("Subject: x\r\n\r\nx\r\n".getBytes(StandardCharsets.US_ASCII));
                    d.commit(envelope(id, Recipient.State.PENDING));
                }
            }
            disk.gated = true;
            Thread first = Thread.ofVirtual().start(() -> update(spool, envelope(a, Recipient.State.DELIVERED)));
            disk.entered.await(); // a's record is being synced
            Thread second = Thread.ofVirtual().start(() -> update(spool, envelope(b, Recipient.State.DELIVERED)));

            // a's record was written before its sync began; b's is written while that sync is under way
            Patience.await("both writes reach the gated disk").until(() -> disk.writesWhileGated.get() == 2);
            assertThat(second.isAlive()).as("b waits for its own sync").isTrue();

            disk.gated = false;
            disk.open.countDown();
            first.join();
            second.join();
            assertThat(spool.find(a).orElseThrow().envelope().isComplete()).isTrue();
            assertThat(spool.find(b).orElseThrow().envelope().isComplete()).isTrue();
        }
    }

    /**
     * A failed fdatasync fails every record written since the last good one, including those
     * written while it ran, and cuts them off before their callers hear of it: none is acknowledged
     * and none comes back after a restart.
     */
    @Test
    void aFailedSyncFailsTheRecordsWrittenDuringItAndCutsThemOff() throws Exception {
        QueueId a = new QueueId(1), b = new QueueId(65);
        var disk = new GatedDisk();
        Path dir = this.dir.resolve("spool");
        try (LogSpool spool = LogSpool.open(dir, 64L << 20, disk)) {
            for (QueueId id : List.of(a, b)) {
                try (Spool.Draft d = spool.draft(id)) {
                    d.content().write("Subject: x\r\n\r\nx\r\n".getBytes(StandardCharsets.US_ASCII));
                    d.commit(envelope(id, Recipient.State.PENDING));
                }
            }
            disk.failing = true;
            disk.gated = true;
            var failures = new AtomicInteger();
            Runnable countFailure = failures::incrementAndGet;
            Thread first = Thread.ofVirtual().start(() -> updateOrCount(spool, envelope(a, Recipient.State.DELIVERED), countFailure));
            disk.entered.await();
            Thread second = Thread.ofVirtual().start(() -> updateOrCount(spool, envelope(b, Recipient.State.DELIVERED), countFailure));
            Patience.await("both writes reach the gated disk").until(() -> disk.writesWhileGated.get() == 2);
            disk.gated = false;
            disk.open.countDown();
            first.join();
            second.join();
            assertThat(failures).hasValue(2);
            assertThat(spool.find(a).orElseThrow().envelope().isComplete()).isFalse();
            assertThat(spool.find(b).orElseThrow().envelope().isComplete()).isFalse();
            spool.update(envelope(b, Recipient.State.FAILED)); // the log goes on where the good records end
        }
        try (LogSpool reopened = LogSpool.openReadOnly(dir)) {
            assertThat(reopened.find(a).orElseThrow().envelope().recipients().getFirst().state()).isEqualTo(Recipient.State.PENDING);
            assertThat(reopened.find(b).orElseThrow().envelope().recipients().getFirst().state()).isEqualTo(Recipient.State.FAILED);
        }
    }

    private static void updateOrCount(Spool spool, Envelope e, Runnable onFailure) {
        try {
            spool.update(e);
        } catch (IOException ex) {
            onFailure.run();
        }
    }

    private static void update(Spool spool, Envelope e) {
        try {
            spool.update(e);
        } catch (IOException ex) {
            throw new RuntimeException(ex);
        }
    }
}
