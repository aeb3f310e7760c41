package dev.facteur.policy.check;

/**
 * What a check does when its rule fails: refuse for good, refuse for now, hold the mail, say so in
 * a header field, or nothing; in that order of strength (a check whose several rules fail takes the first).
 */
public enum Action {
    /** A 5xx. */
    REJECT,
    /** A 4xx: the client may try again. */
    DEFER,
    /** The mail is taken and held in the queue (quarantine) until an operator releases or deletes it. */
    HOLD,
    /** A header field says what failed; the mail is taken. */
    TAG,
    /** The rule is not applied; DNS lists still log whom they would have listed, as postscreen's "ignore" does, to try a list out. */
    OFF
}
