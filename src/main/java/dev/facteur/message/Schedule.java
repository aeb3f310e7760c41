package dev.facteur.message;

import java.time.Instant;

/**
 * Where a queued message stands with the scheduler: how many delivery attempts it has had, when
 * the next is due, whether an operator holds it, and whether the sender was already told of a
 * delay (RFC 3464 "delayed" DSNs go out once).
 *
 * @param nextAttempt null when due at once
 */
public record Schedule(int attempts, Instant nextAttempt, boolean held, boolean delayNotified) {

    public static final Schedule NEW = new Schedule(0, null, false, false);

    public Schedule retryAt(Instant at) {
        return new Schedule(attempts + 1, at, held, delayNotified);
    }

    public Schedule withHeld(boolean h) {
        return new Schedule(attempts, nextAttempt, h, delayNotified);
    }

    public Schedule dueNow() {
        return new Schedule(attempts, null, held, delayNotified);
    }

    public Schedule withDelayNotified() {
        return new Schedule(attempts, nextAttempt, held, true);
    }
}
