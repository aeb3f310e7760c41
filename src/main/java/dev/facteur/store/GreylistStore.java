package dev.facteur.store;

import java.time.Duration;
import java.time.Instant;

/**
 * Greylisting state (RFC 6647): one record per triplet (client network, sender, recipient), and
 * per client the retries that came through, for auto-whitelisting. Every node of a cluster sees
 * the same records: each operation is atomic across nodes. Times come in (clocks are injected).
 */
public interface GreylistStore extends AutoCloseable {

    /** What an attempt found. */
    enum Seen {
        /** No live record: one starts now; the client must come back after the delay. */
        FIRST,
        /** The client came back before the delay was over: it still waits. */
        TOO_EARLY,
        /** The client came back after the delay and within the window: the triplet passes from now on. */
        RETRIED,
        /** The triplet had passed before, and its record is alive: it passes (and lives on). */
        KNOWN
    }

    /** How long things wait and live. */
    record Timing(Duration delay, Duration window, Duration lifetime) {
        /**
         * @param delay    a first attempt is refused until this much later
         * @param window   a triplet not retried within this after its first attempt is forgotten
         * @param lifetime a triplet that passed is forgotten this long after its last attempt; so
         *                 is a client's count of retries after its last retry
         */
        public Timing {
            if (delay.isNegative() || window.compareTo(delay) <= 0 || lifetime.isNegative() || lifetime.isZero())
                throw new IllegalArgumentException("need 0 <= delay < window and a positive lifetime");
        }
    }

    /** Records one attempt of {@code triplet} at {@code now} and says what it found. */
    Seen attempt(String triplet, Instant now, Timing timing);

    /** What {@link #attempt} would find, changing nothing. */
    Seen peek(String triplet, Instant now, Timing timing);

    /** Counts one retry that came through for {@code client}; returns its live count. */
    int retried(String client, Instant now, Timing timing);

    /** The live count of retries that came through for {@code client}. */
    int retries(String client, Instant now, Timing timing);

    @Override
    void close();
}
