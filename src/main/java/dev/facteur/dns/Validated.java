package dev.facteur.dns;

import java.util.function.Function;

/**
 * An answer with what DNSSEC says of it, in the four states of RFC 4035 §4.3 (which RFC 7672
 * §2.1.1 builds on). Only {@link Secure} and {@link Insecure} carry an answer, and it is never a
 * {@code TempFail} of its own kind: a lookup that failed is {@link TempFail} here.
 */
public sealed interface Validated<A> {

    /** The answer was proven by a chain of signatures from a trust anchor: an attacker cannot have forged it. */
    record Secure<A>(A answer) implements Validated<A> {}

    /**
     * The answer is proven to come from unsigned DNS (a delegation without DS, proven by NSEC or
     * NSEC3), or from no zone under a trust anchor: usable as plain DNS, but proving nothing.
     */
    record Insecure<A>(A answer) implements Validated<A> {}

    /**
     * The answer should have been signed and its signatures do not verify, or the proof of its
     * absence does not hold: forged, or a broken zone. It must not be used.
     */
    record Bogus<A>(String reason) implements Validated<A> {}

    /**
     * No answer could be had or judged now: a timeout, SERVFAIL or REFUSED from the servers, or the
     * keys needed to validate could not be fetched (RFC 4035's "indeterminate"). Asking later may work.
     */
    record TempFail<A>(String reason) implements Validated<A> {}

    /** Whether the answer is there and proven. */
    default boolean isSecure() {
        return this instanceof Secure;
    }

    /** The same status, with the answer (if any) converted. */
    default <B> Validated<B> map(Function<? super A, ? extends B> f) {
        return switch (this) {
            case Secure<A>(var answer) -> new Secure<>(f.apply(answer));
            case Insecure<A>(var answer) -> new Insecure<>(f.apply(answer));
            case Bogus<A>(var reason) -> new Bogus<>(reason);
            case TempFail<A>(var reason) -> new TempFail<>(reason);
        };
    }
}
