package dev.facteur.auth.dmarc;

import java.util.Optional;

/**
 * How one mechanism's identifiers did against the Author Domain (DMARCbis §4.4), as aggregate
 * reports' {@code policy_evaluated} tells it.
 *
 * @param outcome what happened
 * @param domain  the aligned identifier for {@code PASS}; otherwise the first one that passed
 *                unaligned, if any
 */
public record IdentifierAlignment(Outcome outcome, Optional<String> domain) {

    public enum Outcome {
        /** An identifier passed and is aligned. */
        PASS,
        /** Some identifier passed, but none is aligned. */
        NOT_ALIGNED,
        /** No identifier passed (or the mechanism was not checked). */
        NO_PASS
    }

    public boolean aligned() {
        return outcome == Outcome.PASS;
    }

    /** The report word: {@code pass} or {@code fail} (RFC 7489 Appendix C {@code DMARCResultType}). */
    public String reportToken() {
        return aligned() ? "pass" : "fail";
    }

    static IdentifierAlignment pass(String domain) {
        return new IdentifierAlignment(Outcome.PASS, Optional.of(domain));
    }

    static IdentifierAlignment notAligned(String domain) {
        return new IdentifierAlignment(Outcome.NOT_ALIGNED, Optional.of(domain));
    }

    static IdentifierAlignment noPass() {
        return new IdentifierAlignment(Outcome.NO_PASS, Optional.empty());
    }
}
