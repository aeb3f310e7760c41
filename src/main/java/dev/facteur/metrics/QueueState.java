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

    public String label() {
        return label;
    }
}
