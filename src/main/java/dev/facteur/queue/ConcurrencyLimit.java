package dev.facteur.queue;

/**
 * How many deliveries one destination gets at once, following the pace of its servers. Opening
 * more connections to a server that is already busy does not deliver faster: the messages only
 * wait in its backlog, and each message that has had its final dot without our having its
 * {@code 250} yet is one that a crash delivers twice (RFC 1047). So the limit grows while the
 * servers answer as fast as they did at a low concurrency, and shrinks when they answer slower,
 * as TCP Vegas does with round-trip times.
 *
 * <ul>
 *   <li>The limit starts at {@link #INITIAL} (Postfix's {@code initial_destination_concurrency})
 *       or the configured maximum if lower, and never goes below that start or above the maximum.
 *   <li>A round is as many deliveries as the limit. The first round sets the baseline: the mean
 *       time the servers took to answer (waiting for replies within transactions; connecting,
 *       TLS and writing the body are not counted). Deliveries without such a time (local
 *       mailboxes, a refused connection) count toward the round but not toward its mean.
 *   <li>After each round: a mean within {@link #TOLERANCE} times the baseline means no backlog,
 *       and the limit doubles (until the first backlog is seen) or grows by one; a slower mean
 *       shrinks the limit by the ratio, but at most by half. A faster mean becomes the baseline.
 *   <li>Every {@link #RELEARN_NANOS} the limit goes back to its start and the baseline is learnt
 *       again, so that a server that became slower for good is not held to its old pace, and a
 *       baseline measured in a lucky round does not hold the limit down for long.
 * </ul>
 *
 * Not thread-safe (the scheduler's caller holds a lock); no I/O, no clock: times come in.
 */
final class ConcurrencyLimit {

    static final int INITIAL = 5;
    static final double TOLERANCE = 1.5;
    static final long RELEARN_NANOS = 60_000_000_000L;

    /** What a round decided, for the log. */
    record Change(int from, int to, double meanMillis, double baselineMillis) {}

    private final int floor;
    private final int max;
    private int limit;
    private boolean slowStart;
    private double baseline; // nanoseconds; NaN until a round with answer times has ended
    private long learntAt;
    private int ended;
    private int samples;
    private long sum;

    ConcurrencyLimit(int max, long now) {
        if (max < 1) throw new IllegalArgumentException("max must be at least 1");
        this.max = max;
        this.floor = Math.min(INITIAL, max);
        relearn(now);
    }

    int limit() {
        return limit;
    }

    /**
     * A delivery has ended at {@code now}; {@code answerNanos} is how long its servers took to
     * answer, or negative when no transaction took place. Returns the change of limit a round's
     * end made, or null.
     */
    Change ended(long answerNanos, long now) {
        if (answerNanos >= 0) {
            samples++;
            sum += answerNanos;
        }
        if (++ended < limit) return null;
        double mean = samples == 0 ? Double.NaN : (double) sum / samples;
        ended = 0;
        samples = 0;
        sum = 0;
        int from = limit;
        double base = baseline;
        if (now - learntAt >= RELEARN_NANOS) {
            relearn(now);
        } else if (Double.isNaN(mean) || Double.isNaN(baseline) || mean <= TOLERANCE * baseline) {
            if (!Double.isNaN(mean) && (Double.isNaN(baseline) || mean < baseline)) baseline = mean;
            limit = Math.min(max, slowStart ? limit * 2 : limit + 1);
        } else {
            slowStart = false;
            limit = Math.max(floor, (int) (limit * Math.max(0.5, TOLERANCE * baseline / mean)));
        }
        return limit == from ? null : new Change(from, limit, mean / 1e6, base / 1e6);
    }

    private void relearn(long now) {
        limit = floor;
        slowStart = true;
        baseline = Double.NaN;
        learntAt = now;
    }
}
