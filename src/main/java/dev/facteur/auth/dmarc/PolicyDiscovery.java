package dev.facteur.auth.dmarc;

/** What DMARC Policy Discovery (DMARCbis §4.10.1, RFC 7489 §6.6.3) found for an Author Domain. */
public sealed interface PolicyDiscovery {

    /** The record to apply, and the DMARC Policy Domain where it was published. */
    record Found(String policyDomain, DmarcRecord record) implements PolicyDiscovery {}

    /** The record to apply is there but unusable (no valid {@code p}, no valid {@code rua}). */
    record Unusable(String policyDomain, String reason) implements PolicyDiscovery {}

    /** No record applies: DMARC does not apply to the message. */
    record NoPolicy(String reason) implements PolicyDiscovery {}

    /** DNS did not answer; DMARC can neither pass nor fail the message now (§5.3.6). */
    record TempFail(String reason) implements PolicyDiscovery {}
}
