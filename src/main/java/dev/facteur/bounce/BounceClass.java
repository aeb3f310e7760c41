package dev.facteur.bounce;

/** What a bounce says of the recipient's address, once classified. */
public enum BounceClass {
    /** The address does not exist or will never take mail. */
    HARD,
    /** A temporary failure, such as a full mailbox: it may work later. */
    SOFT,
    /** Refused for what the message or its sender is (spam, reputation, policy), not for the address. */
    POLICY,
    /** Refused for the message's size. */
    TOO_LARGE,
    /** Nothing in the bounce says which. */
    UNDETERMINED
}
