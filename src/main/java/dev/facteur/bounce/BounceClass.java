package dev.facteur.bounce;

/**
 * What a bounce says about a recipient, as a sender acts on it: stop writing to the address,
 * try again later, look at what was sent and how, or send something smaller.
 */
public enum BounceClass {

    /**
     * The address does not work and will not: no such mailbox (RFC 3463 X.1.1), no such domain or
     * host (X.1.2, X.4.4; a null MX, RFC 7505, X.1.10), moved (X.1.6), or disabled (5.2.1).
     */
    HARD,

    /**
     * The address may work later: mailbox full (X.2.2), greylisted, rate limited, trouble at the
     * receiver or on the way, delayed (Action: delayed). A report that the message expired after
     * its retries is soft too: the receiver kept deferring it, which says nothing against the
     * address.
     */
    SOFT,

    /**
     * The receiver refused the message, not the address: spam, content filters, block lists,
     * reputation, relaying, SPF, DKIM or DMARC failures (X.7.X), or content it cannot take (X.6.X).
     */
    POLICY,

    /** The message was larger than the receiver takes (X.2.3, X.3.4). */
    TOO_LARGE,

    /** Nothing in the report tells which of the above. */
    UNDETERMINED,

    /** No failure: the report says delivered, relayed or expanded (RFC 3464 §2.3.3). */
    NOT_A_FAILURE
}
