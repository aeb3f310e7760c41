package dev.facteur.store;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The shaping store of a single node, in its memory. What a restart forgets (the budgets' pace,
 * what the sites taught, their suspensions) is relearnt from the first replies, as Postfix's queue
 * manager forgets which destinations were dead: the budgets only ever hold mail back, and the
 * queue keeps every message. Each key is updated under its own lock.
 */
final class LocalShapingStore implements ShapingStore {

    private static final long MINUTE = 60_000;

    private static final class Budget {
        double tat; // theoretical arrival time of the next message, ms
        long window = Long.MIN_VALUE;
        long current;
        long previous;

        void count(long now) {
            long i = Math.floorDiv(now, MINUTE);
            if (i != window) {
                previous = i == window + 1 ? current : 0;
                current = 0;
                window = i;
            }
            current++;
        }

        long estimate(long now) {
            long i = Math.floorDiv(now, MINUTE);
            if (i == window + 1) return Math.round(current * (1.0 - (double) (now - i * MINUTE) / MINUTE));
            if (i == window - 1) return previous; // a minute ago: the window before it is no longer kept
            if (i != window) return 0;
            return current + Math.round(previous * (1.0 - (double) (now - i * MINUTE) / MINUTE));
        }
    }

    private record Value(String value, long until) {}

    private final Map<String, Budget> budgets = new ConcurrentHashMap<>();
    private final Map<String, Map<String, Long>> leases = new ConcurrentHashMap<>();
    private final Map<String, Value> values = new ConcurrentHashMap<>();
    private final Runnable closer;
    private final java.util.concurrent.atomic.AtomicLong operations = new java.util.concurrent.atomic.AtomicLong();

    LocalShapingStore(Runnable closer) {
        this.closer = closer;
    }

    @Override
    public long take(String key, double intervalMillis, double toleranceMillis, long now) {
        if (operations.incrementAndGet() % SWEEP_EVERY == 0) sweep(now);
        Budget b = budgets.computeIfAbsent(key, k -> new Budget());
        synchronized (b) {
            if (intervalMillis > 0) {
                double tat = Math.max(b.tat, now);
                if (tat - now > toleranceMillis) return Math.max(1, (long) Math.ceil(tat - toleranceMillis - now));
                b.tat = tat + intervalMillis;
            }
            b.count(now);
            return 0;
        }
    }

    /** Every site ever sent to has a budget: those idle for two minutes hold nothing worth keeping. */
    private static final long SWEEP_EVERY = 10_000;

    private void sweep(long now) {
        budgets.entrySet().removeIf(e -> {
            Budget b = e.getValue();
            synchronized (b) {
                return b.tat < now - 2 * MINUTE && b.window < Math.floorDiv(now, MINUTE) - 1;
            }
        });
        for (String key : List.copyOf(leases.keySet())) {
            leases.computeIfPresent(key, (k, m) -> {
                m.values().removeIf(until -> until <= now);
                return m.isEmpty() ? null : m;
            });
        }
        values.values().removeIf(v -> v.until() <= System.currentTimeMillis());
    }

    @Override
    public void giveBack(String key, double intervalMillis, long now) {
        Budget b = budgets.get(key);
        if (b == null) return;
        synchronized (b) {
            b.tat = Math.max(now, b.tat - intervalMillis);
            if (b.window == Math.floorDiv(now, MINUTE) && b.current > 0) b.current--;
        }
    }

    @Override
    public long taken(String key, long now) {
        Budget b = budgets.get(key);
        if (b == null) return 0;
        synchronized (b) {
            return b.estimate(now);
        }
    }

    @Override
    public boolean lease(String key, String id, int limit, long now, long ttlMillis) {
        boolean[] held = {false};
        // all within compute: the sweep removes a key's map only through the same map's atomic operations
        leases.compute(key, (k, leased) -> {
            Map<String, Long> m = leased == null ? new HashMap<>() : leased;
            m.values().removeIf(until -> until <= now);
            if (m.containsKey(id) || m.size() < limit) {
                m.put(id, now + ttlMillis);
                held[0] = true;
            }
            return m.isEmpty() ? null : m;
        });
        return held[0];
    }

    @Override
    public void release(String key, String id) {
        leases.computeIfPresent(key, (k, m) -> {
            m.remove(id);
            return m.isEmpty() ? null : m;
        });
    }

    @Override
    public String get(String key) {
        Value v = values.get(key);
        return v == null || v.until() <= System.currentTimeMillis() ? null : v.value();
    }

    @Override
    public boolean replace(String key, String expected, String value, long ttlMillis) {
        Value next = new Value(value, System.currentTimeMillis() + ttlMillis);
        boolean[] done = {false};
        values.compute(key, (k, v) -> {
            String now = v == null || v.until() <= System.currentTimeMillis() ? null : v.value();
            if (!Objects.equals(now, expected)) return v;
            done[0] = true;
            return next;
        });
        return done[0];
    }

    @Override
    public void close() {
        closer.run();
    }
}
