package dev.facteur.history;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * {@code [history]}: whether the delivery history is written, where, and for how long it is kept.
 *
 * @param enabled   whether the server writes it ({@code facteur trace} reads whatever is there)
 * @param directory {@code DATA_DIR/history}
 * @param keep      how long events are kept after they happened: whole days, a day's file being
 *                  removed once its last event is this old
 */
public record HistorySettings(boolean enabled, Path directory, Duration keep) {

    public static final Duration DEFAULT_KEEP = Duration.ofDays(30);
    public static final Duration MAX_KEEP = Duration.ofDays(3660);

    public HistorySettings {
        Objects.requireNonNull(directory, "directory");
        if (keep.compareTo(Duration.ofDays(1)) < 0 || keep.compareTo(MAX_KEEP) > 0 || !keep.equals(Duration.ofDays(keep.toDays())))
            throw new IllegalArgumentException("must be whole days, from 1d to " + MAX_KEEP.toDays() + "d: " + keep);
    }

    /** On, in {@code directory}, kept 30 days. */
    public static HistorySettings in(Path directory) {
        return new HistorySettings(true, directory, DEFAULT_KEEP);
    }
}
