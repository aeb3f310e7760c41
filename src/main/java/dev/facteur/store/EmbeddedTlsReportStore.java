package dev.facteur.store;

import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import org.h2.mvstore.MVMap;

/**
 * TLS report rows in the embedded file ({@link EmbeddedFile}: what a crash loses, damage,
 * growth). A day is {@code DATE|DOMAIN} in {@code tls-report-days} (the date as 2026-11-28, so
 * that the file's order is the order in which days end), holding {@code ROWS LEFT-OUT}; each row
 * is {@code DATE|DOMAIN|ROW} in {@code tls-report-rows}, holding {@code COUNT NOTE}. Adding and
 * taking hold the day's lock; only this process uses the file, so that is all "once" needs.
 */
final class EmbeddedTlsReportStore implements TlsReportStore {

    /** The lock of {@link #ended}, which reads every day. */
    private static final String DAYS = "tls-report-days";

    private final EmbeddedFile file;
    private final Runnable closer;

    EmbeddedTlsReportStore(EmbeddedFile file, Runnable closer) {
        this.file = file;
        this.closer = closer;
    }

    /** A day's value: its rows so far, and the sessions left out. */
    record DayValue(long rows, long leftOut) {
        String text() {
            return rows + " " + leftOut;
        }

        /** Null when {@code v} is no such value. */
        static DayValue parse(String v) {
            int a = v.indexOf(' ');
            if (a < 0) return null;
            try {
                return new DayValue(Long.parseLong(v, 0, a, 10), Long.parseLong(v, a + 1, v.length(), 10));
            } catch (NumberFormatException e) {
                return null;
            }
        }
    }

    @Override
    public Added add(Day day, String row, String note, int maxRows) {
        String key = key(day);
        return file.locked(key, day.begin().toEpochMilli(), () -> {
            DayValue before = Optional.ofNullable(file.tlsReportDays.get(key)).map(DayValue::parse).orElse(new DayValue(0, 0));
            String rowKey = key + "|" + row;
            String had = file.tlsReportRows.get(rowKey);
            Added added;
            if (had != null) {
                file.tlsReportRows.put(rowKey, (count(had) + 1) + " " + note);
                added = Added.COUNTED;
            } else if (before.rows() < maxRows) {
                file.tlsReportRows.put(rowKey, "1 " + note);
                file.tlsReportDays.put(key, new DayValue(before.rows() + 1, before.leftOut()).text());
                added = Added.NEW_ROW;
            } else {
                file.tlsReportDays.put(key, new DayValue(before.rows(), before.leftOut() + 1).text());
                added = Added.LEFT_OUT;
            }
            return added;
        });
    }

    @Override
    public List<Day> ended(Instant now) {
        return file.locked(DAYS, now.toEpochMilli(), () -> {
            List<Day> out = new ArrayList<>();
            for (String key : file.tlsReportDays.keySet()) {
                Day day = day(key);
                if (day == null) continue;
                if (day.end().isAfter(now)) break; // in the order days end
                out.add(day);
            }
            return out;
        });
    }

    @Override
    public Optional<Taken> take(Day day) {
        String key = key(day);
        return file.locked(key, day.end().toEpochMilli(), () -> {
            String value = file.tlsReportDays.remove(key);
            Map<String, Row> rows = new LinkedHashMap<>();
            String prefix = key + "|";
            for (Iterator<String> it = file.tlsReportRows.keyIterator(prefix); it.hasNext(); ) {
                String rowKey = it.next();
                if (!rowKey.startsWith(prefix)) break;
                String v = file.tlsReportRows.remove(rowKey);
                int space = v.indexOf(' ');
                rows.put(rowKey.substring(prefix.length()), new Row(count(v), v.substring(space + 1)));
            }
            DayValue v = value == null ? null : DayValue.parse(value);
            if (v == null || rows.isEmpty()) return Optional.<Taken>empty();
            return Optional.of(new Taken(day, rows, v.leftOut()));
        });
    }

    /** {@code DATE|DOMAIN}: sorted as the days end. */
    static String key(Day d) {
        return d.date() + "|" + d.policyDomain();
    }

    /** The day a day's or row's key names; null when it names none. */
    static Day day(String key) {
        if (key.length() < 12 || key.charAt(10) != '|') return null;
        int end = key.indexOf('|', 11);
        try {
            return new Day(key.substring(11, end < 0 ? key.length() : end), LocalDate.parse(key.substring(0, 10)));
        } catch (DateTimeParseException | IllegalArgumentException e) {
            return null;
        }
    }

    private static long count(String rowValue) {
        return Long.parseLong(rowValue, 0, rowValue.indexOf(' '), 10);
    }

    /** {@code COUNT NOTE}, the note possibly empty. */
    private static boolean isRowValue(String v) {
        int space = v.indexOf(' ');
        if (space <= 0) return false;
        try {
            return Long.parseLong(v, 0, space, 10) > 0;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** Throws when a record does not read back: the file is damaged. */
    static void check(MVMap<String, Object> days, MVMap<String, Object> rows) {
        for (Map.Entry<String, Object> e : days.entrySet()) {
            if (!(e.getValue() instanceof String v) || day(e.getKey()) == null || DayValue.parse(v) == null)
                throw new IllegalStateException("a TLS report day that does not read back: " + e.getKey());
        }
        for (Map.Entry<String, Object> e : rows.entrySet()) {
            if (!(e.getValue() instanceof String v) || day(e.getKey()) == null || e.getKey().indexOf('|', 11) < 0 || !isRowValue(v))
                throw new IllegalStateException("a TLS report row that does not read back: " + e.getKey());
        }
    }

    /** Removes the days, and rows, that ended more than {@link #KEEP} before {@code now}; returns how many records went. */
    static int sweep(EmbeddedFile file, long now) {
        Instant before = Instant.ofEpochMilli(now).minus(KEEP);
        int removed = 0;
        for (String key : file.tlsReportDays.keySet()) {
            Day day = day(key);
            if (day != null && !day.end().isBefore(before)) break;
            removed += removeLocked(file, key, () -> file.tlsReportDays.remove(key) != null);
        }
        for (String row : file.tlsReportRows.keySet()) {
            Day day = day(row);
            if (day != null && !day.end().isBefore(before)) break;
            String lock = day == null ? row : key(day);
            removed += removeLocked(file, lock, () -> file.tlsReportRows.remove(row) != null);
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
