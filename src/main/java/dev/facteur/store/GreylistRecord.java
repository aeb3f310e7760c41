package dev.facteur.store;

import dev.facteur.store.GreylistStore.Seen;
import dev.facteur.store.GreylistStore.Timing;

/**
 * A triplet's record and the greylisting rules on it, in milliseconds since the epoch: the
 * embedded store's, and the ones {@code RedisGreylistStore}'s script repeats in Lua.
 *
 * @param first  when the triplet was first seen in this life
 * @param last   its latest attempt
 * @param passed whether a retry came through
 */
record GreylistRecord(long first, long last, boolean passed) {

    /** What an attempt at {@code now} finds; {@code record} may be null (never seen, or forgotten). */
    static Seen seen(GreylistRecord record, long now, Timing timing) {
        if (record == null) return Seen.FIRST;
        if (record.passed) return now > record.last + timing.lifetime().toMillis() ? Seen.FIRST : Seen.KNOWN;
        if (now > record.first + timing.window().toMillis()) return Seen.FIRST;
        return now < record.first + timing.delay().toMillis() ? Seen.TOO_EARLY : Seen.RETRIED;
    }

    /** The record after an attempt at {@code now} that found {@code seen}. */
    static GreylistRecord after(GreylistRecord record, Seen seen, long now) {
        return switch (seen) {
            case FIRST -> new GreylistRecord(now, now, false);
            case TOO_EARLY -> new GreylistRecord(record.first, now, false);
            case RETRIED, KNOWN -> new GreylistRecord(record.first, now, true);
        };
    }

    /** The last moment at which an attempt still finds this record (after it, the triplet is new again). */
    long liveUntil(Timing timing) {
        return passed ? last + timing.lifetime().toMillis() : first + timing.window().toMillis();
    }
}
