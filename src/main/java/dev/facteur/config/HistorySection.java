package dev.facteur.config;

import dev.facteur.history.HistorySettings;
import java.nio.file.Path;
import java.time.Duration;

/** Reads {@code [history]}: the delivery history {@code facteur trace} reads, kept in {@code DATA_DIR/history}. */
final class HistorySection {

    private HistorySection() {}

    static HistorySettings read(Table t, Path dataDir) throws ConfigException {
        boolean enabled = t.bool("enabled", true);
        Duration keep = t.convert("keep", "30d", Units::parseDuration);
        if (keep.toDays() < 1 || keep.compareTo(HistorySettings.MAX_KEEP) > 0 || !keep.equals(Duration.ofDays(keep.toDays())))
            t.fail("keep", "must be whole days, from 1d to " + HistorySettings.MAX_KEEP.toDays() + "d");
        t.finish();
        return new HistorySettings(enabled, dataDir.resolve("history"), keep);
    }
}
