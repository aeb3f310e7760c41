package dev.facteur.store;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * DMARC report rows in the embedded file ({@link EmbeddedFile}: what a crash loses, damage,
 * growth). A period is {@code END|BEGIN|DOMAIN} in {@code dmarc-periods} (times in ms, fifteen
 * digits, so that the file's order is the order in which periods end), holding
 * {@code ROWS LEFT-OUT POLICY}; each row is {@code END|BEGIN|DOMAIN|RECORD} in {@code dmarc-rows},
 * holding its count. Adding and taking hold the period's lock; only this process uses the file,
 * so that is all "once" needs.
 */
final class EmbeddedDmarcReportStore implements DmarcReportStore {

    /** The lock and the time of {@link #ended}, which reads every period. */
    private static final String PERIODS = "dmarc-periods";

    private final EmbeddedFile file;
    private final Runnable closer;

    EmbeddedDmarcReportStore(EmbeddedFile file, Runnable closer) {
        this.file = file;
        this.closer = closer;
    }

    /** A period's value: its rows so far, the messages left out, and the policy last seen. */
    record PeriodValue(long rows, long leftOut, String policy) {
        String text() {
            return rows + " " + leftOut + " " + policy;
        }

        /** Null when {@code v} is no such value. */
        static PeriodValue parse(String v) {
            int a = v.indexOf(' ');
            int b = a < 0 ? -1 : v.indexOf(' ', a + 1);
            if (b < 0) return null;
            try {
                return new PeriodValue(Long.parseLong(v, 0, a, 10), Long.parseLong(v, a + 1, b, 10), v.substring(b + 1));
            } catch (NumberFormatException e) {
                return null;
            }
        }
    }

    @Override
    public Added add(Period period, String policy, String record, int maxRows) {
        String key = key(period);
        return file.locked(key, period.begin().toEpochMilli(), () -> {
            PeriodValue before = Optional.ofNullable(file.dmarcPeriods.get(key)).map(PeriodValue::parse)
                    .orElse(new PeriodValue(0, 0, policy));
            String row = key + "|" + record;
            Added added;
            PeriodValue after;
            if (file.dmarcRows.containsKey(row)) {
                file.dmarcRows.merge(row, 1L, Long::sum);
                added = Added.COUNTED;
                after = new PeriodValue(before.rows(), before.leftOut(), policy);
            } else if (before.rows() < maxRows) {
                file.dmarcRows.put(row, 1L);
                added = Added.NEW_ROW;
                after = new PeriodValue(before.rows() + 1, before.leftOut(), policy);
            } else {
                added = Added.LEFT_OUT;
                after = new PeriodValue(before.rows(), before.leftOut() + 1, policy);
            }
            file.dmarcPeriods.put(key, after.text());
            return added;
        });
    }

    @Override
    public List<Period> ended(Instant now) {
        return file.locked(PERIODS, now.toEpochMilli(), () -> {
            List<Period> out = new ArrayList<>();
            for (String key : file.dmarcPeriods.keySet()) {
                if (end(key) > now.toEpochMilli()) break; // in the order periods end
                out.add(period(key));
            }
            return out;
        });
    }

    @Override
    public Optional<Taken> take(Period period) {
        String key = key(period);
        return file.locked(key, period.end().toEpochMilli(), () -> {
            String value = file.dmarcPeriods.remove(key);
            Map<String, Long> rows = new LinkedHashMap<>();
            String prefix = key + "|";
            for (Iterator<String> it = file.dmarcRows.keyIterator(prefix); it.hasNext(); ) {
                String row = it.next();
                if (!row.startsWith(prefix)) break;
                rows.put(row.substring(prefix.length()), file.dmarcRows.remove(row));
            }
            PeriodValue v = value == null ? null : PeriodValue.parse(value);
            if (v == null || rows.isEmpty()) return Optional.<Taken>empty();
            return Optional.of(new Taken(period, v.policy(), rows, v.leftOut()));
        });
    }

    /** {@code END|BEGIN|DOMAIN}, the times fifteen digits long: sorted as the periods end. */
    static String key(Period p) {
        return "%015d|%015d|%s".formatted(p.end().toEpochMilli(), p.begin().toEpochMilli(), p.policyDomain());
    }

    private static Period period(String key) {
        String[] parts = key.split("\\|", 3);
        return new Period(parts[2], Instant.ofEpochMilli(Long.parseLong(parts[1])), Instant.ofEpochMilli(Long.parseLong(parts[0])));
    }

    /** The end (ms) of the period a period's or row's key names; -1 when it names none. */
    static long end(String key) {
        String[] parts = key.split("\\|", 4);
        if (parts.length < 3 || parts[0].length() != 15 || parts[1].length() != 15 || parts[2].isEmpty()) return -1;
        try {
            long end = Long.parseLong(parts[0]), begin = Long.parseLong(parts[1]);
            return end > begin ? end : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Removes the periods, and rows, that ended more than {@link #KEEP} before {@code now}; returns how many records went. */
    static int sweep(EmbeddedFile file, long now) {
        long before = now - KEEP.toMillis();
        int removed = 0;
        for (String key : file.dmarcPeriods.keySet()) {
            if (end(key) >= before) break;
            removed += removeLocked(file, key, () -> file.dmarcPeriods.remove(key) != null);
        }
        for (String row : file.dmarcRows.keySet()) {
            if (end(row) >= before) break;
            String period = row.substring(0, row.indexOf('|', row.indexOf('|', 16) + 1));
            removed += removeLocked(file, period, () -> file.dmarcRows.remove(row) != null);
        }
        return removed;
    }

    private interface Removal {
        boolean run();
    }

    private static int removeLocked(EmbeddedFile file, String lockKey, Removal removal) {
        ReentrantLock lock = file.lockOf(lockKey);
        lock.lock();
        try {
            return removal.run() ? 1 : 0;
        } finally {
            lock.unlock();
        }
    }

    /** Closes the file, and with it the other stores that share it. */
    @Override
    public void close() {
        closer.run();
    }
}
