package dev.facteur.queue;

import dev.facteur.message.QueueId;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Which message is due next: a heap of (due time, id) with one live entry per id. Rescheduling
 * leaves the old heap entry behind and skips it when it surfaces, so every operation is
 * O(log n) and a million deferred messages cost two small objects each. No I/O, no clock.
 */
final class DueQueue {

    private record Due(long at, QueueId id) implements Comparable<Due> {
        @Override
        public int compareTo(Due o) {
            int c = Long.compare(at, o.at);
            return c != 0 ? c : id.compareTo(o.id);
        }
    }

    private final PriorityQueue<Due> heap = new PriorityQueue<>();
    private final Map<QueueId, Long> live = new HashMap<>();

    /** Sets when {@code id} is due, replacing any earlier time. */
    synchronized void schedule(QueueId id, Instant at) {
        long t = at.toEpochMilli();
        live.put(id, t);
        heap.add(new Due(t, id));
    }

    synchronized void cancel(QueueId id) {
        live.remove(id);
    }

    synchronized boolean contains(QueueId id) {
        return live.containsKey(id);
    }

    synchronized int size() {
        return live.size();
    }

    /** The ids due at or before {@code now}, removed from the queue, at most {@code max}. */
    synchronized List<QueueId> takeDue(Instant now, int max) {
        List<QueueId> out = new ArrayList<>();
        long t = now.toEpochMilli();
        while (out.size() < max && !heap.isEmpty() && heap.peek().at <= t) {
            Due d = heap.poll();
            Long current = live.get(d.id);
            if (current == null || current != d.at) continue; // stale entry
            live.remove(d.id);
            out.add(d.id);
        }
        return out;
    }

    /** When the next message is due, or null when none is. */
    synchronized Instant next() {
        while (!heap.isEmpty()) {
            Due d = heap.peek();
            Long current = live.get(d.id);
            if (current != null && current == d.at) return Instant.ofEpochMilli(d.at);
            heap.poll();
        }
        return null;
    }
}
