package dev.facteur.policy.check;

/**
 * What a DNS check does when DNS cannot answer (a timeout, SERVFAIL): never a silent pass.
 * Asking later may well give a different answer, so nothing is ever refused for good.
 */
public enum OnDnsFailure {
    /** A 4xx: the client tries again later, when DNS may answer. */
    DEFER,
    /** A header field says the check could not be made; the mail is taken. */
    TAG,
    /** The mail is taken as if DNS had answered "not listed", with a log line naming what failed. */
    IGNORE
}
