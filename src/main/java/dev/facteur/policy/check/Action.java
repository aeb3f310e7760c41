package dev.facteur.policy.check;

/** What a check does when its rule fails: refuse for good, refuse for now, only say so in a header field, or nothing. */
public enum Action {
    /** A 5xx. */
    REJECT,
    /** A 4xx: the client may try again. */
    DEFER,
    /** A header field says what failed; the mail is taken. */
    TAG,
    /** The rule is not applied; DNS lists still log whom they would have listed, as postscreen's "ignore" does, to try a list out. */
    OFF
}
