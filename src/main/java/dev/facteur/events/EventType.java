package dev.facteur.events;

import java.util.regex.Pattern;

/**
 * What an event reports, as written in its {@code type} field. A record rather than an enum: the
 * set grows (a {@code queued} or {@code opened} later), and a receiver, like this package when it
 * reads an older or newer log, must carry a type it does not know rather than fail on it.
 *
 * @param name lower case letters and underscores, e.g. {@code bounced}
 */
public record EventType(String name) {

    private static final Pattern NAME = Pattern.compile("[a-z][a-z_]{0,31}");

    /** The recipient's server accepted the message (2xx at the end of DATA). */
    public static final EventType DELIVERED = new EventType("delivered");
    /** A temporary failure (4xx, no answer): the queue tries again later. */
    public static final EventType DEFERRED = new EventType("deferred");
    /** A permanent failure (5xx): the queue gives up on this recipient and the sender gets a DSN. */
    public static final EventType BOUNCED = new EventType("bounced");
    /** Temporary failures until the message's lifetime in the queue ran out. */
    public static final EventType EXPIRED = new EventType("expired");
    /** Not sent: the recipient is on the suppression list. */
    public static final EventType SUPPRESSED = new EventType("suppressed");
    /** The recipient's provider reported a complaint through a feedback loop. */
    public static final EventType COMPLAINED = new EventType("complained");
    /** The recipient asked to get no more mail from the sender domain, through its one-click unsubscribe link (RFC 8058). */
    public static final EventType UNSUBSCRIBED = new EventType("unsubscribed");

    public EventType {
        if (name == null || !NAME.matcher(name).matches())
            throw new IllegalArgumentException("an event type is a lower case word (letters and _): " + name);
    }

    @Override
    public String toString() {
        return name;
    }
}
