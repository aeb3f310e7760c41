package dev.facteur.auth.dmarc;

import java.util.Optional;
import java.util.OptionalInt;

/**
 * A report's {@code policy_published}: the record as the receiver saw it, with defaults for
 * absent tags (RFC 9990 §2.1.1), and {@code np}, {@code pct} and {@code testing} only when the
 * record had them.
 */
public record PolicyPublished(String domain, AlignmentMode adkim, AlignmentMode aspf, Policy p, Policy sp,
        Optional<Policy> np, OptionalInt pct, String fo, Optional<Boolean> testing) {

    public static PolicyPublished of(String policyDomain, DmarcRecord r) {
        return new PolicyPublished(policyDomain, r.adkim(), r.aspf(), r.p(), r.subdomainPolicy(), r.np(), r.pct(), r.fo(), r.t());
    }
}
