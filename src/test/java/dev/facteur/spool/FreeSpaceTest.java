package dev.facteur.spool;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The reserve kept on the spool's disk for the queue's own records (Postfix's queue_minfree). */
class FreeSpaceTest {

    private static final long MB = 1 << 20;

    private final AtomicLong usable = new AtomicLong(500 * MB);
    private final AtomicInteger statfsCalls = new AtomicInteger();
    private final AtomicLong now = new AtomicLong(42);
    private final FreeSpace space = new FreeSpace(() -> {
        statfsCalls.incrementAndGet();
        return usable.get();
    }, 100 * MB, now::get);

    @Test
    void newMailIsTakenOnlyWhileTheReserveIsFree() {
        assertThat(space.hasRoomFor(0)).isTrue();
        usable.set(100 * MB - 1);
        now.addAndGet(FreeSpace.CACHED);
        assertThat(space.hasRoomFor(0)).as("one byte into the reserve").isFalse();
        usable.set(100 * MB);
        now.addAndGet(FreeSpace.CACHED);
        assertThat(space.hasRoomFor(0)).isTrue();
    }

    @Test
    void aDeclaredSizeMustFitBesideTheReserve() { // RFC 1870 §6.1: 452 for a size that cannot be taken now
        assertThat(space.hasRoomFor(400 * MB)).isTrue();
        assertThat(space.hasRoomFor(400 * MB + 1)).isFalse();
        assertThat(space.hasRoomFor(1)).isTrue();
    }

    @Test
    void theFileSystemIsAskedAtMostOnceASecond() {
        for (int i = 0; i < 1000; i++) space.hasRoomFor(i);
        assertThat(statfsCalls).hasValue(1);

        usable.set(10 * MB);
        now.addAndGet(FreeSpace.CACHED - 1);
        assertThat(space.hasRoomFor(0)).as("the reading of a moment ago").isTrue();
        now.addAndGet(1);
        assertThat(space.hasRoomFor(0)).as("a second later, read again").isFalse();
        assertThat(statfsCalls).hasValue(2);
    }

    @Test
    void aFileSystemThatCannotSayRefusesNothing() {
        var blind = new FreeSpace(() -> {
            throw new IOException("statfs failed");
        }, 100 * MB, now::get);
        assertThat(blind.hasRoomFor(Long.MAX_VALUE / 2)).isTrue(); // a write that finds the disk full still fails cleanly
    }
}
