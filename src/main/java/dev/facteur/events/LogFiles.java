package dev.facteur.events;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The names in the events directory. The current file is always {@code events.log}, where an
 * operator looks and {@code tail -F} follows; at rotation it is renamed {@code events.log.NNNNNN}
 * after its number, which it keeps until it is removed, so that the webhook's cursor can name it
 * across rotations. Numbers only grow: the current file's is one more than the newest old file's
 * (which is why one old file is always kept), 1 when there is none.
 */
record LogFiles(Path dir) {

    static final String CURRENT = "events.log";
    private static final String OLD = CURRENT + ".";

    Path current() {
        return dir.resolve(CURRENT);
    }

    /** The name file {@code number} has once it is no longer the current one. */
    Path old(long number) {
        return dir.resolve(OLD + String.format("%06d", number)); // six digits: ls sorts them for years of rotations
    }

    /** The numbers of the old files there are, oldest first. */
    List<Long> oldNumbers() throws IOException {
        List<Long> out = new ArrayList<>();
        try (var names = Files.list(dir)) {
            for (Path p : (Iterable<Path>) names::iterator) {
                String n = p.getFileName().toString();
                if (!n.startsWith(OLD) || n.length() == OLD.length()) continue;
                String digits = n.substring(OLD.length());
                if (digits.chars().allMatch(c -> c >= '0' && c <= '9') && digits.length() <= 18 && Long.parseLong(digits) > 0)
                    out.add(Long.parseLong(digits));
            }
        }
        out.sort(null);
        return out;
    }
}
