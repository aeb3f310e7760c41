package dev.facteur.auth.srs;

import dev.facteur.message.Mailbox;

/**
 * What {@link Srs#reverse} made of a recipient. Only {@link Decoded} is delivered on; the three
 * failures are refused alike at RCPT (nobody may relay through us by making up an address), and
 * they are kept apart for the log.
 */
public sealed interface Reversed {

    /**
     * A genuine address of ours: for SRS0 the original sender, for SRS1 the SRS0 address at the
     * first forwarder, who checks its own hash and stamp.
     */
    record Decoded(Mailbox address) implements Reversed {}

    /** Not an SRS address of ours (another domain, or an ordinary local part): route it as usual. */
    record NotSrs() implements Reversed {}

    /** Tagged SRS0 or SRS1 at our domain, but not of the scheme's form. */
    record Malformed(String reason) implements Reversed {}

    /** Of the form, but its hash was made with none of our secrets (or the address was changed since). */
    record Forged(String reason) implements Reversed {}

    /** Genuine, but older than the maximum age: a bounce this late is more likely a replay than a bounce. */
    record Expired(int ageDays, int maxAgeDays) implements Reversed {}
}
