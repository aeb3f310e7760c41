package dev.facteur.auth.dmarc;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** One {@code record} of an aggregate report: identical messages, counted. */
public record ReportRow(ReportRecord record, long count) {

    public ReportRow {
        if (count < 1) throw new IllegalArgumentException("a row counts at least one message");
    }

    /** Counts identical records, keeping the order in which each was first seen. */
    public static List<ReportRow> count(Collection<ReportRecord> records) {
        Map<ReportRecord, Long> counts = new LinkedHashMap<>();
        for (ReportRecord r : records) counts.merge(r, 1L, Long::sum);
        return counts.entrySet().stream().map(e -> new ReportRow(e.getKey(), e.getValue())).toList();
    }
}
