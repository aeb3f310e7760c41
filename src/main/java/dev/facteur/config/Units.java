package dev.facteur.config;

import java.time.Duration;
import java.util.Locale;

/** Sizes ("50MB", "512KB", "1GB", or bytes) and durations ("30s", "5m", "1h", "2d", "250ms"). */
final class Units {
    private Units() {}

    /** Sizes are binary: 1KB = 1024 bytes, as Postfix and most MTAs count them. */
    static long parseSize(String s) {
        String t = s.strip().toUpperCase(Locale.ROOT);
        long mult = 1;
        for (String[] unit : new String[][] {{"GB", "1073741824"}, {"MB", "1048576"}, {"KB", "1024"}, {"B", "1"}}) {
            if (t.endsWith(unit[0])) {
                mult = Long.parseLong(unit[1]);
                t = t.substring(0, t.length() - unit[0].length()).strip();
                break;
            }
        }
        long n;
        try {
            n = Long.parseLong(t);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("expected a size such as \"50MB\", got \"" + s + "\"");
        }
        if (n <= 0) throw new IllegalArgumentException("size must be positive, got \"" + s + "\"");
        return Math.multiplyExact(n, mult);
    }

    static Duration parseDuration(String s) {
        String t = s.strip().toLowerCase(Locale.ROOT);
        String[][] units = {{"ms", "1"}, {"s", "1000"}, {"m", "60000"}, {"h", "3600000"}, {"d", "86400000"}};
        for (String[] unit : units) {
            if (t.endsWith(unit[0]) && !(unit[0].equals("s") && t.endsWith("ms"))) {
                try {
                    long n = Long.parseLong(t.substring(0, t.length() - unit[0].length()).strip());
                    if (n <= 0) break;
                    return Duration.ofMillis(Math.multiplyExact(n, Long.parseLong(unit[1])));
                } catch (NumberFormatException e) {
                    break;
                }
            }
        }
        throw new IllegalArgumentException("expected a duration such as \"30s\", \"5m\" or \"1h\", got \"" + s + "\"");
    }
}
