package dev.facteur.history;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * The names in the history directory: one file per day, {@code YYYY-MM-DD.log}, holding the events
 * of that day. Days are UTC days: a local day has a 23- or 25-hour version twice a year, and
 * servers in several time zones would not agree on where a day ends. Other names are left alone.
 */
record HistoryFiles(Path dir) {

    private static final String SUFFIX = ".log";

    Path of(LocalDate day) {
        return dir.resolve(day + SUFFIX);
    }

    /** The UTC day an instant belongs to, whose file holds the events of that instant. */
    static LocalDate dayOf(Instant t) {
        return LocalDate.ofInstant(t, ZoneOffset.UTC);
    }

    /** The days with a file, oldest first; none when the directory is not there (yet). */
    List<LocalDate> days() throws IOException {
        List<LocalDate> out = new ArrayList<>();
        try (var names = Files.list(dir)) {
            for (Path p : (Iterable<Path>) names::iterator) {
                String n = p.getFileName().toString();
                if (!n.endsWith(SUFFIX) || n.length() != 10 + SUFFIX.length()) continue;
                try {
                    out.add(LocalDate.parse(n.substring(0, 10)));
                } catch (DateTimeParseException e) {
                    // not one of ours
                }
            }
        } catch (NoSuchFileException e) {
            return List.of();
        }
        out.sort(null);
        return out;
    }
}
