package dev.facteur.store;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.h2.mvstore.MVMap;

/**
 * A report's rows in the embedded file ({@link EmbeddedFile}), counted per {@link ReportPeriod}:
 * what {@link EmbeddedDmarcReportStore} and {@link EmbeddedTlsReportStore} share, each with a map
 * pair and a key format of its own. {@code periods} holds a key per period, which sorts as the
 * periods end, with the period's {@link Counts}; {@code rows} holds {@code PERIOD|ROW} for each
 * row, with its count and what else the store keeps of it. Adding and taking hold the period's
 * lock; only this process uses the file, so that is all "once" needs.
 *
 * @param <P> the store's period
 * @param <V> what {@code rows} holds for a row
 */
final class EmbeddedReportRows<P extends ReportPeriod, V> {

    private final EmbeddedFile file;
    private final MVMap<String, String> periods;
    private final MVMap<String, V> rows;
    private final Function<P, String> key;
    private final Function<String, P> period;

    /**
     * @param key    a period's key, which sorts as the periods end, without {@code |} after the domain
     * @param period the period that a period's or a row's key names; null when it names none
     */
    EmbeddedReportRows(EmbeddedFile file, MVMap<String, String> periods, MVMap<String, V> rows, Function<P, String> key,
            Function<String, P> period) {
        this.file = file;
        this.periods = periods;
        this.rows = rows;
        this.key = key;
        this.period = period;
    }

    /**
     * A period's value, {@code ROWS LEFT-OUT} and what else the store keeps of the period, after a
     * space (DMARC: the policy last seen), if anything.
     */
    record Counts(long rows, long leftOut, Optional<String> more) {

        String text() {
            return rows + " " + leftOut + more.map(m -> " " + m).orElse("");
        }

        /** Null when {@code v} is no such value. */
        static Counts parse(String v) {
            int a = v.indexOf(' ');
            if (a < 0) return null;
            int b = v.indexOf(' ', a + 1);
            try {
                long rows = Long.parseLong(v, 0, a, 10);
                if (b < 0) return new Counts(rows, Long.parseLong(v, a + 1, v.length(), 10), Optional.empty());
                return new Counts(rows, Long.parseLong(v, a + 1, b, 10), Optional.of(v.substring(b + 1)));
            } catch (NumberFormatException e) {
                return null;
            }
        }
    }

    /** A period's rows, taken out of the file: its counts, and each row with its value. */
    record Taken<V>(Counts counts, Map<String, V> rows) {}

    /**
     * Counts one more {@code row} in period {@code p}: a row already there, or a new one while the
     * period has fewer than {@code maxRows}, is given what {@code count} makes of its value (null
     * for a new row); past that the row is only counted as left out. {@code more} is what the
     * period keeps besides its counts (DMARC: the policy, written at each add, as the last seen);
     * without it, the period is written only when its counts change.
     */
    Counted add(P p, String row, UnaryOperator<V> count, int maxRows, Optional<String> more) {
        String k = key.apply(p);
        return file.locked(k, p.begin().toEpochMilli(), () -> {
            Counts before = Optional.ofNullable(periods.get(k)).map(Counts::parse).orElse(new Counts(0, 0, more));
            String rowKey = k + "|" + row;
            V had = rows.get(rowKey);
            Counted counted;
            Counts after;
            if (had != null) {
                rows.put(rowKey, count.apply(had));
                counted = Counted.COUNTED;
                after = new Counts(before.rows(), before.leftOut(), more);
            } else if (before.rows() < maxRows) {
                rows.put(rowKey, count.apply(null));
                counted = Counted.NEW_ROW;
                after = new Counts(before.rows() + 1, before.leftOut(), more);
            } else {
                counted = Counted.LEFT_OUT;
                after = new Counts(before.rows(), before.leftOut() + 1, more);
            }
            if (more.isPresent() || !after.equals(before)) periods.put(k, after.text());
            return counted;
        });
    }

    /** The periods that ended at or before {@code now}, oldest first. */
    List<P> ended(Instant now) {
        // the lock of no period: for the time it passes on to the sweep
        return file.locked(periods.getName(), now.toEpochMilli(), () -> {
            List<P> out = new ArrayList<>();
            for (String k : periods.keySet()) {
                P p = period.apply(k);
                if (p == null) continue;
                if (p.end().isAfter(now)) break; // in the order periods end
                out.add(p);
            }
            return out;
        });
    }

    /** Reads and removes {@code p} and its rows; empty when it has no counts or no rows. */
    Optional<Taken<V>> take(P p) {
        String k = key.apply(p);
        return file.locked(k, p.end().toEpochMilli(), () -> {
            String value = periods.remove(k);
            Map<String, V> taken = new LinkedHashMap<>();
            String prefix = k + "|";
            for (Iterator<String> it = rows.keyIterator(prefix); it.hasNext(); ) {
                String rowKey = it.next();
                if (!rowKey.startsWith(prefix)) break;
                taken.put(rowKey.substring(prefix.length()), rows.remove(rowKey));
            }
            Counts counts = value == null ? null : Counts.parse(value);
            if (counts == null || taken.isEmpty()) return Optional.<Taken<V>>empty();
            return Optional.of(new Taken<>(counts, taken));
        });
    }

    /**
     * Removes the periods, and rows, that ended more than {@link ReportStore#KEEP} before
     * {@code now} (ms), and what names no period; returns how many records went.
     */
    int sweep(long now) {
        Instant before = Instant.ofEpochMilli(now).minus(ReportStore.KEEP);
        int removed = 0;
        for (String k : periods.keySet()) {
            P p = period.apply(k);
            if (p != null && !p.end().isBefore(before)) break;
            removed += removeLocked(k, () -> periods.remove(k) != null);
        }
        for (String rowKey : rows.keySet()) {
            P p = period.apply(rowKey);
            if (p != null && !p.end().isBefore(before)) break;
            removed += removeLocked(p == null ? rowKey : key.apply(p), () -> rows.remove(rowKey) != null);
        }
        return removed;
    }

    private interface Removal {
        boolean run();
    }

    private int removeLocked(String lockKey, Removal removal) {
        ReentrantLock lock = file.lockOf(lockKey);
        lock.lock();
        try {
            return removal.run() ? 1 : 0;
        } finally {
            lock.unlock();
        }
    }
}
