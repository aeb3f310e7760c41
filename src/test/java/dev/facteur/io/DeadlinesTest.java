package dev.facteur.io;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.testing.Patience;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class DeadlinesTest {

    @Test
    void anArmedDeadlineThatPassesRunsItsExpiryOnce() throws InterruptedException {
        var expired = new AtomicInteger();
        try (var d = Deadlines.register(expired::incrementAndGet)) {
            d.arm(Duration.ofMillis(1).toNanos());
            Patience.await("the deadline passes").until(() -> expired.get() == 1);
            lookTwice();
            assertThat(expired).as("told once, then quiet until armed again").hasValue(1);
        }
    }

    @Test
    void aDisarmedOrClosedDeadlineNeverExpires() throws Exception {
        var expired = new AtomicInteger();
        try (var disarmed = Deadlines.register(expired::incrementAndGet)) {
            var closed = Deadlines.register(expired::incrementAndGet);
            disarmed.arm(1);
            disarmed.disarm();
            closed.arm(1);
            closed.close();
            lookTwice();
            assertThat(expired).hasValue(0);
        }
    }

    @Test
    void aDeadlineReArmedAfterTheWatcherReadItDoesNotExpireForTheOldOne() {
        var expired = new AtomicInteger();
        try (var d = Deadlines.register(expired::incrementAndGet)) {
            d.arm(Duration.ofHours(1).toNanos());
            long seen = d.due; // the watcher reads the deadline of a read about to end in time...
            d.arm(Duration.ofHours(2).toNanos()); // ...which ends, and the next read starts
            Deadlines.expire(d, seen, seen + 1); // the watcher's clock is past what it read
            assertThat(expired).as("the next read keeps its own deadline").hasValue(0);
            Deadlines.expire(d, d.due, d.due + 1);
            assertThat(expired).as("and times out at it").hasValue(1);
        }
    }

    /** Returns once the watcher has looked at every deadline at least twice since the call. */
    private static void lookTwice() throws InterruptedException {
        for (int i = 0; i < 2; i++) {
            var looked = new CountDownLatch(1);
            try (var witness = Deadlines.register(looked::countDown)) {
                witness.arm(1);
                looked.await();
            }
        }
    }
}
