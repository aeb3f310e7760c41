package dev.facteur.auth.spf;

/**
 * §5: the mechanisms. A {@code domain} that is null means the current domain (§4.8), where the
 * grammar allows leaving it out.
 */
sealed interface Mechanism {

    /** §5.1: always matches. */
    record All() implements Mechanism {}

    /** §5.2: matches when the target's own check passes. */
    record Include(MacroString domain) implements Mechanism {}

    /** §5.3: matches when one of the target's addresses covers the client. */
    record A(MacroString domain, DualCidr cidr) implements Mechanism {}

    /** §5.4: matches when an address of one of the target's mail exchangers covers the client. */
    record Mx(MacroString domain, DualCidr cidr) implements Mechanism {}

    /** §5.5: matches when a validated name of the client is the target or under it. */
    record Ptr(MacroString domain) implements Mechanism {}

    /** §5.6: {@code ip4} and {@code ip6}: matches when the network covers the client. */
    record Ip(Network network) implements Mechanism {}

    /** §5.7: matches when the target has an A record. */
    record Exists(MacroString domain) implements Mechanism {}

    /** §4.6.4: whether evaluating it asks DNS, and so counts toward the limit of 10. */
    default boolean asksDns() {
        return !(this instanceof All || this instanceof Ip);
    }
}
