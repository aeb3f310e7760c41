package dev.facteur.activity;

import dev.facteur.events.EventType;
import java.util.Optional;

/** How an attempt ended for one recipient, as the queue reports it in its events. */
public enum Outcome {
    DELIVERED, DEFERRED, BOUNCED, EXPIRED;

    /** A failure puts its destination among the failing ones: everything but a delivery. */
    boolean failed() {
        return this != DELIVERED;
    }

    /** The outcome an event reports, or empty for an event that is no outcome (suppressed, complained...). */
    static Optional<Outcome> of(EventType type) {
        if (type.equals(EventType.DELIVERED)) return Optional.of(DELIVERED);
        if (type.equals(EventType.DEFERRED)) return Optional.of(DEFERRED);
        if (type.equals(EventType.BOUNCED)) return Optional.of(BOUNCED);
        if (type.equals(EventType.EXPIRED)) return Optional.of(EXPIRED);
        return Optional.empty();
    }
}
