package dev.facteur.auth.srs;

import dev.facteur.message.ReversePath;

/** What {@link Srs#forward} made of a reverse-path, and so what to send MAIL FROM with. */
public sealed interface Forwarded {

    /** Rewritten into the forwarding domain, as SRS0 (an original sender) or SRS1 (another forwarder's SRS0). */
    record Rewritten(ReversePath sender) implements Forwarded {}

    /** Forward with the sender as it is: it needs no rewriting, for the reason given. */
    record Unchanged(ReversePath sender, Why why) implements Forwarded {}

    enum Why {
        /** {@code <>}: a bounce must never be answered, so there is nothing to send back (RFC 5321 §4.5.5). */
        NULL_PATH,
        /**
         * The sender is already in the forwarding domain (one of our users, or one of our own SRS
         * addresses): SPF at the next hop already checks us, and a bounce already comes back to
         * us. Wrapping it again would only lengthen it. libsrs2 does the same.
         */
        OWN_DOMAIN
    }

    /**
     * The rewritten sender would break RFC 5321's limits (a local part of at most 64 octets,
     * §4.5.3.1.1, or a path of 256): {@code sender} is the original, and {@code localPartOctets}
     * what the rewritten local part would have taken. The scheme has no shorter form that stays
     * stateless. The caller forwards with the original sender, as if there were no SRS: refusing
     * would bounce mail that a user asked to receive, while the next hop may still accept it
     * (SPF is one input among several), and if it refuses, its bounce goes to the original
     * sender, who is the one to tell.
     */
    record TooLong(ReversePath sender, int localPartOctets) implements Forwarded {}
}
