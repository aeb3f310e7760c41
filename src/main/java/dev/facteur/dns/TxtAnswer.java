package dev.facteur.dns;

import java.util.List;

/**
 * What DNS says about a name's TXT records: each record's strings joined into one (RFC 7208 §3.3
 * for SPF, RFC 6376 §3.6.2.2 for DKIM keys, RFC 7489 §6.1 for DMARC: a record split into
 * 255-byte strings is read as their concatenation, without spaces).
 */
public sealed interface TxtAnswer {

    /** The records, each joined, in the order DNS gave them. */
    record Records(List<String> records) implements TxtAnswer {
        public Records {
            if (records.isEmpty()) throw new IllegalArgumentException("no records: that is NoRecords");
            records = List.copyOf(records);
        }
    }

    /** The name does not exist (NXDOMAIN). */
    record NxDomain() implements TxtAnswer {}

    /** The name exists without TXT records. */
    record NoRecords() implements TxtAnswer {}

    /** No answer now (timeout, SERVFAIL, REFUSED, network error); asking later may work. */
    record TempFail(String reason) implements TxtAnswer {}
}
