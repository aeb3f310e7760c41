package dev.facteur.activity;

import dev.facteur.events.Event;
import dev.facteur.events.EventSink;
import dev.facteur.history.HistoryEvent;
import dev.facteur.history.HistorySink;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Counts, in five-minute buckets over the last {@value #MAX_HOURS} hours, the messages the server
 * accepted and what became of each recipient's attempts; and keeps the failing destinations
 * ({@link FailingDestinations}). A ring of {@value #BUCKETS} buckets, each reused when its time
 * comes round again, so memory stays the same however long the server runs and whatever it
 * handles. Thread-safe: one short lock, taken once per accepted message and per outcome.
 */
public final class Activity {

    public static final Duration BUCKET = Duration.ofMinutes(5);
    public static final int MAX_HOURS = 24;
    static final int BUCKETS = (int) (Duration.ofHours(MAX_HOURS).toMillis() / BUCKET.toMillis());
    /** The failing destinations the report lists. */
    public static final int TOP_FAILING = 20;
    /** The failing destinations kept between reports: a few hundred entries of a day's hourly counts. */
    static final int KEPT_FAILING = 500;

    private static final int ACCEPTED = 0; // then 1 + Outcome.ordinal()
    private static final int COLUMNS = 1 + Outcome.values().length;

    private final Clock clock;
    private final long bucketMillis = BUCKET.toMillis();
    /** The bucket number (epoch millis / bucket) each slot counts now; another number means the slot is stale. */
    private final long[] bucketOf = new long[BUCKETS];
    private final long[][] counts = new long[BUCKETS][COLUMNS];
    private final FailingDestinations failing;

    public Activity(Clock clock) {
        this(clock, KEPT_FAILING);
    }

    Activity(Clock clock, int keptFailing) {
        this.clock = clock;
        this.failing = new FailingDestinations(keptFailing);
        Arrays.fill(bucketOf, Long.MIN_VALUE);
    }

    /** The server took a message (committed to the spool). */
    public synchronized void accepted() {
        count(clock.instant(), ACCEPTED);
    }

    /**
     * One recipient's attempt ended with {@code outcome}; a failure also counts against
     * {@code domain}, whose last reply becomes {@code reply} when there is one.
     */
    public synchronized void outcome(Outcome outcome, String domain, String reply) {
        outcome(outcome, domain, reply, clock.instant());
    }

    private void outcome(Outcome outcome, String domain, String reply, Instant at) {
        count(at, 1 + outcome.ordinal());
        if (outcome.failed()) failing.failed(domain.toLowerCase(Locale.ROOT), reply, at);
    }

    /**
     * Counts what the delivery history recorded before this started, so that a restart does not
     * empty the charts: a message received, an attempt's outcome, a recipient given up on. Events
     * older than the last {@value #MAX_HOURS} hours, or not yet come, are passed over.
     */
    public synchronized void recall(HistoryEvent e) {
        long b = Math.floorDiv(e.time().toEpochMilli(), bucketMillis);
        long current = Math.floorDiv(clock.instant().toEpochMilli(), bucketMillis);
        if (b <= current - BUCKETS || b > current) return;
        switch (e) {
            case HistoryEvent.Received r -> count(r.time(), ACCEPTED);
            case HistoryEvent.Attempt a -> {
                Outcome o = switch (a.result()) {
                    case DELIVERED -> Outcome.DELIVERED;
                    case DEFERRED -> Outcome.DEFERRED;
                    case BOUNCED -> Outcome.BOUNCED;
                    case HELD -> null; // the transport map held it: no attempt was made
                };
                if (o != null) outcome(o, domainOf(a.recipient()), a.reply().isEmpty() ? null : a.reply(), a.time());
            }
            case HistoryEvent.GaveUp g -> outcome(Outcome.EXPIRED, domainOf(g.recipient()), g.reason().isEmpty() ? null : g.reason(), g.time());
            default -> { } // DSNs and removals are no outcome of their own
        }
    }

    /** The last {@code hours} hours (1 to {@value #MAX_HOURS}) up to now, the current bucket included. */
    public synchronized Report last(int hours) {
        if (hours < 1 || hours > MAX_HOURS) throw new IllegalArgumentException("hours from 1 to " + MAX_HOURS + ": " + hours);
        Instant now = clock.instant();
        long current = Math.floorDiv(now.toEpochMilli(), bucketMillis);
        long first = current - hours * (BUCKETS / MAX_HOURS) + 1;
        List<Bucket> buckets = new ArrayList<>();
        for (long b = first; b <= current; b++) {
            int slot = slot(b);
            long[] c = bucketOf[slot] == b ? counts[slot] : new long[COLUMNS];
            buckets.add(new Bucket(Instant.ofEpochMilli(b * bucketMillis), c[ACCEPTED], c[1 + Outcome.DELIVERED.ordinal()],
                    c[1 + Outcome.DEFERRED.ordinal()], c[1 + Outcome.BOUNCED.ordinal()], c[1 + Outcome.EXPIRED.ordinal()]));
        }
        return new Report(BUCKET, buckets, failing.top(TOP_FAILING, hours, now));
    }

    /**
     * Events on their way to {@code next}, each recipient's outcome counted on the way by its
     * domain, as the metrics count them ({@code server.Metering#outcomes}).
     */
    public EventSink hearing(EventSink next) {
        return e -> {
            Outcome.of(e.type()).ifPresent(o -> outcome(o, domain(e), e.diagnostic().orElse(null)));
            next.emit(e);
        };
    }

    /**
     * History on its way to {@code next}, each message received counted on the way: the spool
     * records one as it commits a message it accepted.
     */
    public HistorySink countingArrivals(HistorySink next) {
        return e -> {
            if (e instanceof HistoryEvent.Received) accepted();
            next.record(e);
        };
    }

    /** How many failing destinations are kept now (the tests check the bound). */
    synchronized int failingKept() {
        return failing.size();
    }

    private void count(Instant at, int column) {
        long b = Math.floorDiv(at.toEpochMilli(), bucketMillis);
        int slot = slot(b);
        if (bucketOf[slot] > b) return; // a day older than what the slot counts now: recalled history
        if (bucketOf[slot] != b) {
            bucketOf[slot] = b;
            Arrays.fill(counts[slot], 0);
        }
        counts[slot][column]++;
    }

    private static int slot(long bucket) {
        return (int) Math.floorMod(bucket, (long) BUCKETS);
    }

    private static String domain(Event e) {
        return domainOf(e.recipient());
    }

    private static String domainOf(String address) {
        return address.substring(address.lastIndexOf('@') + 1);
    }
}
