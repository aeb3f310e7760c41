package dev.facteur.events;

import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Event ids: UUID version 7 (RFC 9562 §5.7), 48 bits of Unix milliseconds then 74 random bits.
 * Receivers de-duplicate on the id (the webhook delivers at least once), so it must be unique
 * across restarts and nodes without coordination, which the random bits give; the time in front
 * makes ids sort roughly by when the event happened, which keeps a receiver's index of them
 * compact. They are not secrets, so the fast per-thread generator is enough.
 */
final class EventId {

    private EventId() {}

    /** A new id whose time part is {@code time}. */
    static String next(Instant time) {
        long millis = time.toEpochMilli() & 0xFFFF_FFFF_FFFFL;
        var random = ThreadLocalRandom.current();
        long high = (millis << 16) | 0x7000L | (random.nextLong() & 0x0FFFL); // version 7, rand_a
        long low = 0x8000_0000_0000_0000L | (random.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL); // variant 10, rand_b
        return new UUID(high, low).toString();
    }
}
