package dev.facteur.metrics;

import java.util.Locale;

/** Where a queued message stands, as the queue gauges tell it apart. */
public enum QueueState {
    /** Not tried yet: just received, waiting for a delivery slot or being delivered for the first time. */
    ACTIVE,
    /** Tried at least once, waiting for its next attempt (or in it). */
    DEFERRED,
    /** On hold: no attempt until an operator releases it (the transport map's {@code hold}, {@code facteur queue hold}, bounces from {@code <>} that could not be delivered). */
    HELD;

    private final String label = name().toLowerCase(Locale.ROOT);

    /** Held by an operator or the transport map; else tried before or not. The gauges and the admin API go by this alone. */
    public static QueueState of(boolean held, int attempts) {
        return held ? HELD : attempts == 0 ? ACTIVE : DEFERRED;
    }

    public String label() {
        return label;
    }
}
