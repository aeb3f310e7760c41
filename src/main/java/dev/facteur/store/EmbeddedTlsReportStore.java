package dev.facteur.store;

import dev.facteur.store.EmbeddedReportRows.Counts;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.h2.mvstore.MVMap;

/**
 * TLS report rows in the embedded file ({@link EmbeddedFile}: what a crash loses, damage,
 * growth), kept by {@link EmbeddedReportRows}. A day is {@code DATE|DOMAIN} in
 * {@code tls-report-days} (the date as 2026-11-28, so that the file's order is the order in which
 * days end), holding {@code ROWS LEFT-OUT}; each row is {@code DATE|DOMAIN|ROW} in
 * {@code tls-report-rows}, holding {@code COUNT NOTE}.
 */
final class EmbeddedTlsReportStore implements TlsReportStore {

    private final EmbeddedReportRows<Day, String> rows;
    private final Runnable closer;

    EmbeddedTlsReportStore(EmbeddedFile file, Runnable closer) {
        this.rows = rows(file);
        this.closer = closer;
    }

    private static EmbeddedReportRows<Day, String> rows(EmbeddedFile file) {
        return new EmbeddedReportRows<>(file, file.tlsReportDays, file.tlsReportRows, EmbeddedTlsReportStore::key,
                EmbeddedTlsReportStore::day);
    }

    @Override
    public Added add(Day day, String row, String note, int maxRows) {
        Counted counted = rows.add(day, row, had -> (had == null ? 1 : count(had) + 1) + " " + note, maxRows, Optional.empty());
        return Added.valueOf(counted.name());
    }

    @Override
    public List<Day> ended(Instant now) {
        return rows.ended(now);
    }

    @Override
    public Optional<Taken> take(Day day) {
        return rows.take(day).map(t -> {
            Map<String, Row> taken = new LinkedHashMap<>();
            t.rows().forEach((row, v) -> taken.put(row, new Row(count(v), v.substring(v.indexOf(' ') + 1))));
            return new Taken(day, taken, t.counts().leftOut());
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
            if (!(e.getValue() instanceof String v) || day(e.getKey()) == null || Counts.parse(v) == null
                    || Counts.parse(v).more().isPresent())
                throw new IllegalStateException("a TLS report day that does not read back: " + e.getKey());
        }
        for (Map.Entry<String, Object> e : rows.entrySet()) {
            if (!(e.getValue() instanceof String v) || day(e.getKey()) == null || e.getKey().indexOf('|', 11) < 0 || !isRowValue(v))
                throw new IllegalStateException("a TLS report row that does not read back: " + e.getKey());
        }
    }

    /** Removes the days, and rows, that ended more than {@link #KEEP} before {@code now}; returns how many records went. */
    static int sweep(EmbeddedFile file, long now) {
        return rows(file).sweep(now);
    }

    /** Closes the file, and with it the other stores that share it. */
    @Override
    public void close() {
        closer.run();
    }
}
