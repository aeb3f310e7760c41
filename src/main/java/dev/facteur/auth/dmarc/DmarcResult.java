package dev.facteur.auth.dmarc;

import java.util.Optional;

/**
 * A DMARC verdict for one Author Domain, named as RFC 8601 §2.7.5 names {@code dmarc=} results.
 * Only {@link Pass} and {@link Fail} carry a policy: with the others the Domain Owner's policy
 * cannot be applied (DMARCbis §5.3.6), and the disposition is the receiver's own choice.
 */
public sealed interface DmarcResult {

    /** The Author Domain (RFC5322.From), normalized when it could be. */
    String authorDomain();

    /** An identifier passed and is aligned. */
    record Pass(String authorDomain, AppliedPolicy policy, Alignment alignment) implements DmarcResult {}

    /** A policy applies and no passing identifier is aligned. */
    record Fail(String authorDomain, AppliedPolicy policy, Alignment alignment) implements DmarcResult {}

    /** No DMARC record applies. */
    record None(String authorDomain, String reason) implements DmarcResult {}

    /** DNS did not answer; try again later (e.g. a 4xx reply). Never a silent pass. */
    record TempError(String authorDomain, String reason) implements DmarcResult {}

    /** The domain's record is unusable, or the Author Domain is not a domain name. */
    record PermError(String authorDomain, String reason) implements DmarcResult {}

    /** The DKIM and SPF halves of the verdict. */
    record Alignment(IdentifierAlignment dkim, IdentifierAlignment spf) {
        public boolean passes() {
            return dkim.aligned() || spf.aligned();
        }
    }

    /** RFC 8601's result word. */
    default String resultName() {
        return switch (this) {
            case Pass p -> "pass";
            case Fail f -> "fail";
            case None n -> "none";
            case TempError t -> "temperror";
            case PermError p -> "permerror";
        };
    }

    /** The policy found, for Pass and Fail. */
    default Optional<AppliedPolicy> appliedPolicy() {
        return switch (this) {
            case Pass p -> Optional.of(p.policy());
            case Fail f -> Optional.of(f.policy());
            case None n -> Optional.empty();
            case TempError t -> Optional.empty();
            case PermError p -> Optional.empty();
        };
    }

    /** What the Domain Owner asks for this message: nothing unless it failed. */
    default Policy disposition() {
        return this instanceof Fail f ? f.policy().onFailure() : Policy.NONE;
    }

    /**
     * The RFC 8601 method result, e.g. {@code dmarc=fail (p=reject sp=quarantine dis=quarantine)
     * header.from=a.example.com}. The comment follows common practice (Gmail's): the published
     * {@code p}, {@code sp} and {@code np} when given, {@code t=y} when testing, and {@code dis},
     * the disposition asked for this message.
     */
    default String methodResult() {
        var b = new StringBuilder("dmarc=").append(resultName());
        appliedPolicy().ifPresent(a -> {
            DmarcRecord r = a.record();
            b.append(" (p=").append(r.p().token());
            r.sp().ifPresent(sp -> b.append(" sp=").append(sp.token()));
            r.np().ifPresent(np -> b.append(" np=").append(np.token()));
            if (r.testing()) b.append(" t=y");
            b.append(" dis=").append(disposition().token()).append(')');
        });
        return b.append(" header.from=").append(headerValue(authorDomain())).toString();
    }

    /** RFC 8601 {@code pvalue}: a domain is a token; anything else, from the wire, is quoted. */
    private static String headerValue(String v) {
        if (!v.isEmpty() && v.chars().allMatch(c -> c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                || c == '.' || c == '-' || c == '_')) return v;
        var q = new StringBuilder("\"");
        v.codePoints().forEach(c -> {
            if (c < 0x20 || c == 0x7f) q.append('?');
            else {
                if (c == '"' || c == '\\') q.append('\\');
                q.appendCodePoint(c);
            }
        });
        return q.append('"').toString();
    }
}
