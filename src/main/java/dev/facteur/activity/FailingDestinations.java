package dev.facteur.activity;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The destinations whose recipients fail, each with its failures by the hour over the last day and
 * its last reply. At most {@code capacity} destinations are kept: a full table makes room by
 * forgetting those that have not failed for a day, then the tenth that failed least (the
 * longest ago among equals). A flood of distinct failing domains therefore costs no more memory, and the
 * destinations failing often stay; only one failing rarely during such a flood may be forgotten.
 * Not thread-safe: {@link Activity} holds the lock.
 */
final class FailingDestinations {

    static final int HOURS = Activity.MAX_HOURS;
    /** Enough of a reply to tell why (an SMTP reply line is at most 512 octets, RFC 5321 §4.5.3.1.5). */
    static final int MAX_REPLY = 300;
    private static final long HOUR_MILLIS = Duration.ofHours(1).toMillis();

    private final int capacity;
    private final Map<String, Destination> byDomain = new HashMap<>();

    FailingDestinations(int capacity) {
        if (capacity < 1) throw new IllegalArgumentException("capacity " + capacity);
        this.capacity = capacity;
    }

    /** A ring of hourly counts: slot {@code h % HOURS} counts the failures of epoch hour {@code hourOf[slot]}. */
    private static final class Destination {
        final long[] hourOf = new long[HOURS];
        final int[] count = new int[HOURS];
        String lastReply;
        Instant lastAt;

        Destination() {
            Arrays.fill(hourOf, Long.MIN_VALUE); // no hour counted yet
        }

        void add(long hour) {
            int slot = (int) Math.floorMod(hour, (long) HOURS);
            if (hourOf[slot] > hour) return; // a day older than what the slot counts now: recalled history
            if (hourOf[slot] != hour) {
                hourOf[slot] = hour;
                count[slot] = 0;
            }
            count[slot]++;
        }

        /** Failures in the {@code hours} hours up to and including {@code nowHour}. */
        long failures(long nowHour, int hours) {
            long n = 0;
            for (int i = 0; i < HOURS; i++) if (hourOf[i] > nowHour - hours && hourOf[i] <= nowHour) n += count[i];
            return n;
        }
    }

    void failed(String domain, String reply, Instant at) {
        Destination d = byDomain.get(domain);
        if (d == null) {
            if (byDomain.size() >= capacity) makeRoom(at);
            d = new Destination();
            byDomain.put(domain, d);
        }
        d.add(hour(at));
        if (d.lastAt != null && at.isBefore(d.lastAt)) return; // recalled history older than what was heard live
        if (reply != null) d.lastReply = reply.length() > MAX_REPLY ? reply.substring(0, MAX_REPLY) : reply;
        d.lastAt = at;
    }

    /** The {@code n} destinations that failed most in the last {@code hours} hours, most first. */
    List<FailingDestination> top(int n, int hours, Instant now) {
        long nowHour = hour(now);
        List<FailingDestination> all = new ArrayList<>();
        byDomain.forEach((domain, d) -> {
            long failures = d.failures(nowHour, hours);
            if (failures > 0) all.add(new FailingDestination(domain, failures, d.lastReply, d.lastAt));
        });
        all.sort(Comparator.comparingLong(FailingDestination::failures).reversed().thenComparing(FailingDestination::domain));
        return all.size() > n ? List.copyOf(all.subList(0, n)) : all;
    }

    int size() {
        return byDomain.size();
    }

    /**
     * Forgets the destinations quiet for a day; if that frees nothing, the tenth that failed
     * least (the longest ago among equals). A tenth at a time, so that a flood of new domains
     * pays for one scan of the table every {@code capacity / 10} of them rather than each.
     */
    private void makeRoom(Instant now) {
        long nowHour = hour(now);
        byDomain.values().removeIf(d -> d.failures(nowHour, HOURS) == 0);
        if (byDomain.size() < capacity) return;
        record Kept(String domain, long failures, Instant lastAt) {}
        List<Kept> all = new ArrayList<>(byDomain.size());
        byDomain.forEach((domain, d) -> all.add(new Kept(domain, d.failures(nowHour, HOURS), d.lastAt)));
        all.sort(Comparator.comparingLong(Kept::failures).thenComparing(Kept::lastAt));
        for (Kept k : all.subList(0, Math.max(1, capacity / 10))) byDomain.remove(k.domain());
    }

    private static long hour(Instant t) {
        return Math.floorDiv(t.toEpochMilli(), HOUR_MILLIS);
    }
}
