package dev.facteur.queue;

import dev.facteur.message.QueueId;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Who gets the next delivery slot. Each destination (a domain, or a relay) has a wait list and at
 * most as many deliveries under way as its {@link ConcurrencyLimit} allows (at most
 * {@code maxPerDestination}, fewer while its servers have a backlog); all of them together at
 * most {@code maxParallel}. A message waiting for a busy destination holds no slot, so a destination
 * that never answers cannot starve the others: free slots go to destinations that can use them,
 * in turn (round robin, as Postfix's qmgr does). A destination that traffic shaping holds back
 * is paused: its messages wait in its list, holding nothing, until the pause ends
 * ({@link #postpone}). A message with recipients in several
 * destinations waits in each list, and is under way for one of them at a time, so the updates
 * of its envelope never race. Not thread-safe (the queue manager holds a lock); no I/O, no clock.
 */
final class Scheduler {

    /** One delivery to start: a message, for its recipients in one destination. */
    record Job(QueueId message, String destination, boolean last) {}

    private static final class Destination {
        final String name;
        final LinkedHashSet<QueueId> waiting = new LinkedHashSet<>();
        final ConcurrencyLimit limit;
        int busy;
        int recording; // answered, still under way
        boolean inTurn; // in the round-robin ring
        boolean paused; // by traffic shaping, until pausedUntil (nanos)
        long pausedUntil;

        Destination(String name, ConcurrencyLimit limit) {
            this.name = name;
            this.limit = limit;
        }
    }

    private final int maxParallel;
    private final int maxPerDestination;
    private final Map<String, Destination> destinations = new HashMap<>();
    private final ArrayDeque<Destination> turns = new ArrayDeque<>();
    /** For each waiting message, the destinations it still waits for. */
    private final Map<QueueId, Set<String>> waitsFor = new HashMap<>();
    private final Set<QueueId> underWay = new HashSet<>();
    /** Under way, with the destination's slot already free: the servers have answered. */
    private final Set<QueueId> answered = new HashSet<>();
    private int busy;

    Scheduler(int maxParallel, int maxPerDestination) {
        if (maxParallel < 1 || maxPerDestination < 1) throw new IllegalArgumentException("limits must be at least 1");
        this.maxParallel = maxParallel;
        this.maxPerDestination = maxPerDestination;
    }

    /** The message waits for each of these destinations (at least one), in their lists' order of arrival. */
    void add(QueueId message, Collection<String> wanted, long now) {
        if (wanted.isEmpty()) throw new IllegalArgumentException(message + ": no destination");
        if (waitsFor.containsKey(message) || underWay.contains(message)) throw new IllegalStateException(message + " is already scheduled");
        waitsFor.put(message, new HashSet<>(wanted));
        for (String name : wanted) {
            Destination d = destinations.computeIfAbsent(name, k -> new Destination(k, new ConcurrencyLimit(maxPerDestination, now)));
            d.waiting.add(message);
            if (!d.inTurn) {
                d.inTurn = true;
                turns.addLast(d);
            }
        }
    }

    /**
     * The next delivery to start, or null when none can start now: every slot is taken, or each
     * destination with waiting messages is at its limit or waits only for messages under way.
     */
    Job next() {
        return next(System.nanoTime());
    }

    /** As {@link #next()}, at {@code now} (nanos), when the pauses that end by then are over. */
    Job next(long now) {
        if (busy >= maxParallel) return null;
        for (int n = turns.size(); n > 0; n--) {
            Destination d = turns.pollFirst();
            if (d.waiting.isEmpty()) {
                d.inTurn = false;
                forgetIfIdle(d);
                continue;
            }
            turns.addLast(d); // its next turn comes after every other destination's
            if (d.paused) {
                if (now - d.pausedUntil < 0) continue;
                d.paused = false;
            }
            if (d.busy >= d.limit.limit()) continue;
            QueueId m = firstNotUnderWay(d);
            if (m == null) continue;
            d.waiting.remove(m);
            d.busy++;
            busy++;
            underWay.add(m);
            Set<String> rest = waitsFor.get(m);
            rest.remove(d.name);
            if (rest.isEmpty()) waitsFor.remove(m);
            return new Job(m, d.name, rest.isEmpty());
        }
        return null;
    }

    /** Skips messages under way for another destination; they are at most {@code maxParallel}. */
    private QueueId firstNotUnderWay(Destination d) {
        for (QueueId m : d.waiting) {
            if (!underWay.contains(m)) return m;
        }
        return null;
    }

    /**
     * The servers of a delivery have answered at {@code now}: its destination's slot is free,
     * though the message stays under way until {@link #done}. {@code answerNanos} is how long
     * they took (negative if no transaction took place), for the destination's limit; returns the
     * change of that limit it made, or null.
     */
    ConcurrencyLimit.Change answered(Job job, long answerNanos, long now) {
        if (!underWay.contains(job.message()) || !answered.add(job.message())) throw new IllegalStateException(job + " is not being answered");
        Destination d = destinations.get(job.destination());
        d.busy--;
        d.recording++;
        return d.limit.ended(answerNanos, now);
    }

    /** The delivery has ended: its slots are free, and the message may go on with its other destinations. */
    void done(Job job) {
        if (!underWay.remove(job.message())) throw new IllegalStateException(job + " is not under way");
        Destination d = destinations.get(job.destination());
        if (answered.remove(job.message())) d.recording--;
        else d.busy--; // it failed before any answer: nothing for the limit
        busy--;
        forgetIfIdle(d);
    }

    /**
     * Traffic shaping held the delivery back: its slots are free, the message waits again, first
     * in its destination's list, and the destination starts nothing before {@code untilNanos}.
     * The message's round goes on: this was no attempt.
     */
    void postpone(Job job, long untilNanos) {
        QueueId m = job.message();
        if (!underWay.remove(m)) throw new IllegalStateException(job + " is not under way");
        Destination d = destinations.get(job.destination());
        if (answered.remove(m)) d.recording--;
        else d.busy--;
        busy--;
        d.waiting.addFirst(m);
        waitsFor.computeIfAbsent(m, k -> new HashSet<>()).add(d.name);
        if (!d.paused || untilNanos - d.pausedUntil > 0) d.pausedUntil = untilNanos;
        d.paused = true;
        if (!d.inTurn) {
            d.inTurn = true;
            turns.addLast(d);
        }
    }

    /** When the first pause of a destination with waiting messages ends (nanos), or null when none is paused. */
    Long nextPauseEnd() {
        Long first = null;
        for (Destination d : turns) {
            if (d.paused && !d.waiting.isEmpty() && (first == null || d.pausedUntil - first < 0)) first = d.pausedUntil;
        }
        return first;
    }

    /** The number of deliveries one destination may have under way now. */
    int limit(String destination) {
        Destination d = destinations.get(destination);
        return d == null ? Math.min(ConcurrencyLimit.INITIAL, maxPerDestination) : d.limit.limit();
    }

    /**
     * Takes a waiting message out of every list (an operator holds, deletes or bounces it).
     * Returns false, changing nothing, when it is under way: it can be taken after {@link #done}.
     */
    boolean remove(QueueId message) {
        if (underWay.contains(message)) return false;
        Set<String> wanted = waitsFor.remove(message);
        if (wanted == null) return true;
        for (String name : wanted) {
            Destination d = destinations.get(name);
            d.waiting.remove(message);
            forgetIfIdle(d);
        }
        return true;
    }

    boolean isUnderWay(QueueId message) {
        return underWay.contains(message);
    }

    boolean isWaiting(QueueId message) {
        return waitsFor.containsKey(message);
    }

    /** Deliveries under way. */
    int busy() {
        return busy;
    }

    /** Deliveries under way to one destination. */
    int busy(String destination) {
        Destination d = destinations.get(destination);
        return d == null ? 0 : d.busy;
    }

    /** Messages waiting for one destination. */
    int waiting(String destination) {
        Destination d = destinations.get(destination);
        return d == null ? 0 : d.waiting.size();
    }

    private void forgetIfIdle(Destination d) {
        if (d.busy == 0 && d.recording == 0 && d.waiting.isEmpty() && !d.inTurn) destinations.remove(d.name);
    }
}
