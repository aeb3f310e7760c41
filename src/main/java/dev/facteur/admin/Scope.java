package dev.facteur.admin;

import java.util.Locale;

/**
 * What a token may do. {@code read} looks and changes nothing, for a dashboard or a monitor
 * whose token may leak without risk to the mail; {@code operate} also changes the queue, the
 * suppression list and the configuration in force.
 */
enum Scope {
    READ, OPERATE;

    /** The word the token file uses. */
    String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** {@code read} or {@code operate}; null for any other word. */
    static Scope of(String word) {
        return switch (word) {
            case "read" -> READ;
            case "operate" -> OPERATE;
            default -> null;
        };
    }

    /** Whether a token of this scope may make a request that needs {@code needed}. */
    boolean allows(Scope needed) {
        return this == OPERATE || needed == READ;
    }
}
