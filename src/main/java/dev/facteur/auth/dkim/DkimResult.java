package dev.facteur.auth.dkim;

/**
 * The result of checking one DKIM signature, named as RFC 8601 §2.7.1 names them, with what it
 * was about and a cause a person can read ("body hash did not verify", "key revoked (empty p=)").
 * A message without signatures has no results: that is {@code dkim=none}.
 */
public sealed interface DkimResult {

    SignatureFacts signature();

    /** Why: what verified, or the first thing that did not. */
    String cause();

    /** The signature verified (RFC 6376 §6.1: SUCCESS). */
    record Pass(SignatureFacts signature, String cause) implements DkimResult {}

    /** The signature could be checked and did not verify: body hash, signature, or l= beyond the body. */
    record Fail(SignatureFacts signature, String cause) implements DkimResult {}

    /** The signature was not checked: it is past the number a message may have checked. */
    record Neutral(SignatureFacts signature, String cause) implements DkimResult {}

    /**
     * The signature verified but vouches for less than the message shows, or for what this
     * verifier refuses: a field RFC 5322 allows once, present more often than signed (a From
     * added above the signed one), or {@code l=} when refused.
     */
    record Policy(SignatureFacts signature, String cause) implements DkimResult {}

    /** The key could not be fetched now (DNS timeout, SERVFAIL); later may work. */
    record TempError(SignatureFacts signature, String cause) implements DkimResult {}

    /** The signature or its key is unusable: syntax, unsupported algorithm, no key, revoked or weak key, expired. */
    record PermError(SignatureFacts signature, String cause) implements DkimResult {}

    /** The RFC 8601 result name: {@code pass}, {@code fail}, {@code neutral}, {@code policy}, {@code temperror}, {@code permerror}. */
    default String name() {
        return switch (this) {
            case Pass p -> "pass";
            case Fail f -> "fail";
            case Neutral n -> "neutral";
            case Policy p -> "policy";
            case TempError t -> "temperror";
            case PermError p -> "permerror";
        };
    }

    /** The same result about {@code facts}. */
    default DkimResult withSignature(SignatureFacts facts) {
        return switch (this) {
            case Pass p -> new Pass(facts, cause());
            case Fail f -> new Fail(facts, cause());
            case Neutral n -> new Neutral(facts, cause());
            case Policy p -> new Policy(facts, cause());
            case TempError t -> new TempError(facts, cause());
            case PermError p -> new PermError(facts, cause());
        };
    }

    /**
     * The method result for an Authentication-Results field (RFC 8601 §2.2, §2.7.1, RFC 6008):
     * {@code dkim=pass header.d=example.com header.i=@example.com header.s=sel header.a=rsa-sha256 header.b=abcdefgh}.
     * Properties that could not be read are left out.
     */
    default String methodResult() {
        return MethodResult.render(this, false);
    }

    /** {@link #methodResult} with the cause as its {@code reason} (RFC 8601 §2.2), for results other than pass. */
    default String methodResultWithReason() {
        return MethodResult.render(this, !(this instanceof Pass));
    }
}
