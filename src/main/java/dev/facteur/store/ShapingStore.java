package dev.facteur.store;

/**
 * The traffic shaping budgets and what each receiving site has taught (see
 * {@code dev.facteur.shaping}), shared by every node that uses the store: each operation is
 * atomic across nodes. Times are milliseconds since the epoch, the callers' (the store keeps no
 * clock), so nodes must keep their clocks in step as they do for everything else.
 */
public interface ShapingStore extends AutoCloseable {

    /**
     * Takes one message from the budget {@code key}, a generic cell rate algorithm: one message
     * every {@code intervalMillis} on average, {@code toleranceMillis} ahead of that pace at most
     * (a burst of {@code 1 + tolerance / interval}). An interval of 0 takes from no budget and
     * only counts. Returns 0 when taken, else how long to wait (at least 1 ms) until one can be.
     * Every message taken is counted for {@link #taken}.
     */
    long take(String key, double intervalMillis, double toleranceMillis, long now);

    /** Returns one message taken from {@code key} and not sent after all. */
    void giveBack(String key, double intervalMillis, long now);

    /** The messages taken from {@code key} over the last minute (estimated from two one-minute windows). */
    long taken(String key, long now);

    /**
     * Holds, or renews, lease {@code id} of {@code key} until {@code now + ttlMillis}, when fewer
     * than {@code limit} other leases are held (a lapsed lease is no longer held). Returns
     * whether it is held.
     */
    boolean lease(String key, String id, int limit, long now, long ttlMillis);

    /** Lets lease {@code id} of {@code key} go. */
    void release(String key, String id);

    /** The value kept under {@code key}, or null. */
    String get(String key);

    /**
     * Sets {@code key} to {@code value}, kept for {@code ttlMillis}, if it still holds
     * {@code expected} (null: if it holds nothing). Returns whether it was set.
     */
    boolean replace(String key, String expected, String value, long ttlMillis);

    /** A store of this process's own, in memory, as the embedded stores give ({@link LocalShapingStore}). */
    static ShapingStore inMemory() {
        return new LocalShapingStore(() -> {});
    }

    @Override
    void close();
}
