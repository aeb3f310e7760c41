package dev.facteur.auth.spf;

/**
 * RFC 7208 §2.6: what check_host() concludes about a client, each result with what led to it:
 * the mechanism that matched (as the record writes it, or {@code default} when none did: §9.1),
 * or the problem that stopped the evaluation.
 */
public sealed interface SpfResult {

    /** The result's name, as §2.6 spells it and as the header fields (§9.1, RFC 8601) write it. */
    String keyword();

    /** §2.6.1: no SPF record to go by: the domain is not a usable name, does not exist, or publishes none. */
    record None(String reason) implements SpfResult {
        @Override public String keyword() { return "none"; }
    }

    /** §2.6.2: the domain says nothing about this client ({@code ?}, or no mechanism matched: {@code default}). */
    record Neutral(String mechanism) implements SpfResult {
        @Override public String keyword() { return "neutral"; }
    }

    /** §2.6.3: the client is authorised. */
    record Pass(String mechanism) implements SpfResult {
        @Override public String keyword() { return "pass"; }
    }

    /**
     * §2.6.4: the client is not authorised. The explanation (§6.2) is the domain's {@code exp=}
     * text, or the receiver's default; it is meant for the SMTP reply.
     */
    record Fail(String mechanism, String explanation) implements SpfResult {
        @Override public String keyword() { return "fail"; }
    }

    /** §2.6.5: the client is probably not authorised ({@code ~}), but the domain does not say so firmly. */
    record SoftFail(String mechanism) implements SpfResult {
        @Override public String keyword() { return "softfail"; }
    }

    /** §2.6.6: a transient error, usually DNS; asking later may give a final result. */
    record TempError(String problem) implements SpfResult {
        @Override public String keyword() { return "temperror"; }
    }

    /** §2.6.7: the domain's records cannot be interpreted (syntax, limits, an include without a record). */
    record PermError(String problem) implements SpfResult {
        @Override public String keyword() { return "permerror"; }
    }
}
