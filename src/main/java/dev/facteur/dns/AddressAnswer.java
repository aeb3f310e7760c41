package dev.facteur.dns;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.stream.Stream;

/** What DNS says about a host's addresses (its AAAA and A records). */
public sealed interface AddressAnswer {

    /**
     * The host's addresses without duplicates, IPv6 before IPv4, each family in the order given.
     * That is the order RFC 6724's default policy table gives when both families are usable; a
     * machine without IPv6 simply fails over to the IPv4 addresses that follow.
     */
    record Found(List<InetAddress> addresses) implements AddressAnswer {
        public Found {
            if (addresses.isEmpty()) throw new IllegalArgumentException("no addresses: that is NoRecords");
            var unique = new LinkedHashSet<>(addresses);
            addresses = Stream.concat(unique.stream().filter(a -> a instanceof Inet6Address),
                    unique.stream().filter(a -> !(a instanceof Inet6Address))).toList();
        }
    }

    /** The host does not exist (NXDOMAIN). */
    record NxDomain() implements AddressAnswer {}

    /** The host exists but has neither AAAA nor A records. */
    record NoRecords() implements AddressAnswer {}

    /** No answer now (timeout, SERVFAIL, REFUSED, network error); asking later may work. */
    record TempFail(String reason) implements AddressAnswer {}
}
