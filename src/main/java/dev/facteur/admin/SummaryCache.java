package dev.facteur.admin;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The last queue summary, kept while it is young. Every open dashboard asks for it every few
 * seconds, and with a million messages queued one reading of the queue takes about a second: the
 * summary is kept at least {@link #FRESH}, and ten times as long as it took to read, so the queue
 * is read at most a tenth of the time however many pages watch it. A command an operator gives
 * forgets it, so the page shows the effect of the action just taken.
 */
final class SummaryCache {

    static final Duration FRESH = Duration.ofSeconds(2);
    private static final int COST_FACTOR = 10;

    private record Kept(QueueSummary summary, Instant until) {}

    private final Supplier<QueueSummary> read;
    private final Clock clock;
    private final LongSupplier nanos;
    private volatile Kept kept;

    SummaryCache(Supplier<QueueSummary> read, Clock clock) {
        this(read, clock, System::nanoTime);
    }

    /** @param nanos what the reading's cost is measured with */
    SummaryCache(Supplier<QueueSummary> read, Clock clock, LongSupplier nanos) {
        this.read = read;
        this.clock = clock;
        this.nanos = nanos;
    }

    QueueSummary get() {
        Kept k = kept;
        if (k != null && clock.instant().isBefore(k.until())) return k.summary();
        synchronized (this) { // one reading at a time: the others take its answer
            k = kept;
            if (k != null && clock.instant().isBefore(k.until())) return k.summary();
            long start = nanos.getAsLong();
            QueueSummary fresh = read.get();
            Duration took = Duration.ofNanos(nanos.getAsLong() - start);
            Duration keep = took.multipliedBy(COST_FACTOR);
            kept = new Kept(fresh, clock.instant().plus(keep.compareTo(FRESH) > 0 ? keep : FRESH));
            return fresh;
        }
    }

    /** The queue changed by an operator's hand: the next summary reads it again. */
    void forget() {
        kept = null;
    }
}
