package dev.facteur.dns;

import java.util.List;

/** What reverse DNS says about an address: the names of its PTR records (RFC 1035 §3.5, RFC 3596 §2.5). */
public sealed interface PtrAnswer {

    /** The names, lowercased and without the final dot, in the order DNS gave them. */
    record Names(List<String> names) implements PtrAnswer {
        public Names {
            if (names.isEmpty()) throw new IllegalArgumentException("no names: that is NoRecords");
            names = List.copyOf(names);
        }
    }

    /** No PTR name exists for the address (NXDOMAIN). */
    record NxDomain() implements PtrAnswer {}

    /** The reverse name exists without PTR records (NOERROR, no data). */
    record NoRecords() implements PtrAnswer {}

    /** No answer now (timeout, SERVFAIL, REFUSED, network error); asking later may work. */
    record TempFail(String reason) implements PtrAnswer {}
}
