package dev.facteur.dane;

import dev.facteur.dns.Tlsa;

/** What DANE says of a server's certificate chain (RFC 7672 §3). */
public sealed interface Verification {

    /**
     * The chain matches a usable TLSA record.
     *
     * @param record the record that matched
     * @param how    for the log: "DANE-EE(3) SPKI(1) SHA2-256(1) matched the server certificate", say
     */
    record Verified(Tlsa record, String how) implements Verification {}

    /** No usable record matches, or the chain a DANE-TA(2) record anchors does not hold. */
    record Failed(String reason) implements Verification {}
}
