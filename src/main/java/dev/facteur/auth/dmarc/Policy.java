package dev.facteur.auth.dmarc;

import java.util.Locale;
import java.util.Optional;

/**
 * A Domain Owner Assessment Policy (DMARCbis §4.7 {@code dmarc-request}), and the disposition a
 * receiver applies, which aggregate reports name with the same three words.
 */
public enum Policy {
    NONE, QUARANTINE, REJECT;

    /** The word in records, reports and Authentication-Results. */
    public String token() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * DMARCbis §4.7 {@code t=y}: the Domain Owner is testing and expects failing mail to be
     * handled one level below the policy it published.
     */
    public Policy oneLevelLower() {
        return switch (this) {
            case NONE, QUARANTINE -> NONE;
            case REJECT -> QUARANTINE;
        };
    }

    /** Tag values are case-insensitive (DMARCbis §4.8 takes ABNF's case-insensitive strings). */
    static Optional<Policy> parse(String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "none" -> Optional.of(NONE);
            case "quarantine" -> Optional.of(QUARANTINE);
            case "reject" -> Optional.of(REJECT);
            default -> Optional.empty();
        };
    }
}
