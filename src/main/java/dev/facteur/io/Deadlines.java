package dev.facteur.io;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;

/**
 * Timeouts for blocking reads without socket timeouts. A virtual thread that reads a socket with
 * SO_TIMEOUT parks with a timeout, and every timed park schedules a task on the JDK's timer and
 * cancels it again: on these machines that cost more CPU than the SMTP dialogue itself. So
 * connections read without timeouts, each {@link Deadline} is a volatile time armed before a read
 * and disarmed after it, and one daemon thread looks at them all a few times a second and tells
 * the expired ones (which then make their read end, e.g. by shutting down the socket's input).
 * A timeout fires up to {@link #GRANULARITY_MILLIS} ms late; SMTP timeouts are minutes.
 */
public final class Deadlines {

    static final long GRANULARITY_MILLIS = 100;
    private static final long DISARMED = Long.MAX_VALUE;
    private static final Set<Deadline> deadlines = ConcurrentHashMap.newKeySet();
    private static final AtomicLongFieldUpdater<Deadline> DUE = AtomicLongFieldUpdater.newUpdater(Deadline.class, "due");

    static {
        Thread.ofPlatform().name("deadlines").daemon().start(Deadlines::watch);
    }

    private Deadlines() {}

    /** A deadline for one connection, disarmed until {@link Deadline#arm}; {@link Deadline#close} when the connection ends. */
    public static Deadline register(Runnable onExpiry) {
        Deadline d = new Deadline(onExpiry);
        deadlines.add(d);
        return d;
    }

    private static void watch() {
        while (true) {
            try {
                Thread.sleep(GRANULARITY_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            for (Deadline d : deadlines) expire(d, d.due, now);
        }
    }

    /**
     * Runs {@code d}'s expiry if {@code due}, read from it a moment ago, has passed and is still
     * its deadline: the compare-and-set loses to a disarm or a new arm since the read, so a read
     * that ended just in time does not time out the next one.
     */
    static void expire(Deadline d, long due, long now) {
        if (due == DISARMED || now - due <= 0 || !DUE.compareAndSet(d, due, DISARMED)) return;
        try {
            d.onExpiry.run();
        } catch (RuntimeException e) {
            // one connection's trouble must not stop the others' timeouts
        }
    }

    /** The time by which the operation under way must be done. */
    public static final class Deadline implements AutoCloseable {
        private final Runnable onExpiry;
        volatile long due = DISARMED;

        private Deadline(Runnable onExpiry) {
            this.onExpiry = onExpiry;
        }

        /** The operation starting now must end within {@code timeoutNanos}, or the expiry action runs (once). */
        public void arm(long timeoutNanos) {
            due = System.nanoTime() + timeoutNanos;
        }

        public void disarm() {
            due = DISARMED;
        }

        @Override
        public void close() {
            due = DISARMED;
            deadlines.remove(this);
        }
    }
}
