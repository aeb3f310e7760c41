package dev.facteur.auth.arc;

import java.util.Locale;
import java.util.Optional;

/**
 * RFC 8617 §4.4: the state of a chain, as a seal's {@code cv=} records what its sealer found and
 * as a validator reports what it finds (RFC 8601's {@code arc=} result).
 */
public enum ChainValidationStatus {
    /** There was no chain: the seal of instance 1 says so, and a message without ARC sets is reported so. */
    NONE,
    /** Every seal and the newest message signature verified. */
    PASS,
    /** The chain is broken, or a sealer found it broken. */
    FAIL;

    /** The status a {@code cv=} value names; the RFC's tokens are lower case, and only they are read. */
    static Optional<ChainValidationStatus> of(String cv) {
        return switch (cv) {
            case "none" -> Optional.of(NONE);
            case "pass" -> Optional.of(PASS);
            case "fail" -> Optional.of(FAIL);
            default -> Optional.empty();
        };
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
