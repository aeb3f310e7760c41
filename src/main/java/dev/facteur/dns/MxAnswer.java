package dev.facteur.dns;

import java.util.Comparator;
import java.util.List;

/** What DNS says about a domain's mail exchangers (RFC 5321 §5.1, RFC 7505). */
public sealed interface MxAnswer {

    /**
     * The domain's exchangers, most preferred first. Ordering is stable, so exchangers of equal
     * preference keep the order they were given in: the resolver shuffles them first, as §5.1
     * requires to spread the load.
     */
    record Records(List<Mx> mxs) implements MxAnswer {
        public Records {
            if (mxs.isEmpty()) throw new IllegalArgumentException("no MX records: that is NoRecords");
            mxs = mxs.stream().sorted(Comparator.comparingInt(Mx::preference)).toList();
        }
    }

    /** The domain exists but has no MX (NOERROR, no data): §5.1 says use the domain itself as an implicit MX. */
    record NoRecords() implements MxAnswer {}

    /** RFC 7505: the domain publishes a single {@code MX 0 .}: it accepts no mail at all. */
    record NullMx() implements MxAnswer {}

    /** The domain does not exist (NXDOMAIN). */
    record NxDomain() implements MxAnswer {}

    /** No answer now (timeout, SERVFAIL, REFUSED, network error); asking later may work. */
    record TempFail(String reason) implements MxAnswer {}
}
