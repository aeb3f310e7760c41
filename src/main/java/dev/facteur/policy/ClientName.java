package dev.facteur.policy;

/**
 * What reverse DNS says of a client: its PTR name, and whether that name resolves back to the
 * client's address (forward-confirmed reverse DNS, FCrDNS, RFC 8601 §3 "iprev").
 *
 * @param name the PTR name that resolved back to the client, else the first PTR name, else null
 */
public record ClientName(Status status, String name) {

    public enum Status {
        /** A PTR name resolves back to the client's address: {@code name} is that name. */
        CONFIRMED,
        /** PTR names exist, none resolves back: {@code name} is the first, not to be trusted. */
        UNCONFIRMED,
        /** No PTR record (NXDOMAIN or no data). */
        NONE,
        /** DNS did not answer; asking later may work. */
        TEMPFAIL
    }

    /** The name, when it may be trusted (it resolves back); else null. */
    public String confirmed() {
        return status == Status.CONFIRMED ? name : null;
    }
}
