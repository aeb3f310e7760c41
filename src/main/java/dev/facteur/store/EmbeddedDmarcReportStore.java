package dev.facteur.store;

import dev.facteur.store.EmbeddedReportRows.Counts;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.h2.mvstore.MVMap;

/**
 * DMARC report rows in the embedded file ({@link EmbeddedFile}: what a crash loses, damage,
 * growth), kept by {@link EmbeddedReportRows}. A period is {@code END|BEGIN|DOMAIN} in
 * {@code dmarc-periods} (times in ms, fifteen digits, so that the file's order is the order in
 * which periods end), holding {@code ROWS LEFT-OUT POLICY}; each row is
 * {@code END|BEGIN|DOMAIN|RECORD} in {@code dmarc-rows}, holding its count.
 */
final class EmbeddedDmarcReportStore implements DmarcReportStore {

    private final EmbeddedReportRows<Period, Long> rows;
    private final Runnable closer;

    EmbeddedDmarcReportStore(EmbeddedFile file, Runnable closer) {
        this.rows = rows(file);
        this.closer = closer;
    }

    private static EmbeddedReportRows<Period, Long> rows(EmbeddedFile file) {
        return new EmbeddedReportRows<>(file, file.dmarcPeriods, file.dmarcRows, EmbeddedDmarcReportStore::key,
                EmbeddedDmarcReportStore::period);
    }

    @Override
    public Added add(Period period, String policy, String record, int maxRows) {
        Counted counted = rows.add(period, record, count -> count == null ? 1L : count + 1, maxRows, Optional.of(policy));
        return Added.valueOf(counted.name());
    }

    @Override
    public List<Period> ended(Instant now) {
        return rows.ended(now);
    }

    @Override
    public Optional<Taken> take(Period period) {
        return rows.take(period).flatMap(t -> t.counts().more().map(policy -> new Taken(period, policy, t.rows(), t.counts().leftOut())));
    }

    /** {@code END|BEGIN|DOMAIN}, the times fifteen digits long: sorted as the periods end. */
    static String key(Period p) {
        return "%015d|%015d|%s".formatted(p.end().toEpochMilli(), p.begin().toEpochMilli(), p.policyDomain());
    }

    /** The period a period's or row's key names; null when it names none. */
    static Period period(String key) {
        String[] parts = key.split("\\|", 4);
        if (parts.length < 3 || parts[0].length() != 15 || parts[1].length() != 15) return null;
        try {
            return new Period(parts[2], Instant.ofEpochMilli(Long.parseLong(parts[1])), Instant.ofEpochMilli(Long.parseLong(parts[0])));
        } catch (IllegalArgumentException e) { // NumberFormatException too
            return null;
        }
    }

    /** Throws when a record does not read back: the file is damaged. */
    static void check(MVMap<String, Object> periods, MVMap<String, Object> rows) {
        for (Map.Entry<String, Object> e : periods.entrySet()) {
            if (!(e.getValue() instanceof String v) || period(e.getKey()) == null || Counts.parse(v) == null
                    || Counts.parse(v).more().isEmpty())
                throw new IllegalStateException("a DMARC report period that does not read back: " + e.getKey());
        }
        for (Map.Entry<String, Object> e : rows.entrySet()) {
            if (!(e.getValue() instanceof Long) || period(e.getKey()) == null)
                throw new IllegalStateException("a DMARC report row that does not read back: " + e.getKey());
        }
    }

    /** Removes the periods, and rows, that ended more than {@link #KEEP} before {@code now}; returns how many records went. */
    static int sweep(EmbeddedFile file, long now) {
        return rows(file).sweep(now);
    }

    /** Closes the file, and with it the other stores that share it. */
    @Override
    public void close() {
        closer.run();
    }
}
