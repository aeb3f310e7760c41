package dev.facteur.dns;

import java.net.InetAddress;
import java.time.Duration;

/**
 * The DNS questions mail routing and the policy checks ask. Calls block (callers run on virtual
 * threads) and never throw for DNS trouble: timeouts, SERVFAIL and the like come back as
 * {@code TempFail}. Names are always absolute: no search domain is ever appended.
 */
public interface DnsResolver {

    /** The MX records of {@code domain} (RFC 5321 §5.1), or why there are none. */
    MxAnswer mx(String domain);

    /** The IPv6 and IPv4 addresses of {@code host}, following CNAMEs, IPv6 first. */
    AddressAnswer addresses(String host);

    /**
     * The A records of {@code name} only: how a DNS list answers (RFC 5782 §2.1), for IPv6 clients
     * too (§2.4). Asking for AAAA as well would double the queries for nothing.
     */
    AddressAnswer ipv4(String name);

    /**
     * The AAAA records of {@code name} only: what SPF's {@code a} and {@code mx} mechanisms ask for
     * an IPv6 client (RFC 7208 §5.3). Resolvers that cannot ask say so as a temporary failure.
     */
    default AddressAnswer ipv6(String name) {
        return new AddressAnswer.TempFail("AAAA lookups are not supported by " + getClass().getSimpleName());
    }

    /** The PTR names of {@code address}: {@code in-addr.arpa}, or {@code ip6.arpa} in nibbles for IPv6. */
    PtrAnswer ptr(InetAddress address);

    /**
     * The TXT records of {@code name}, each record's strings joined (SPF, DKIM keys, DMARC).
     * Resolvers that cannot ask say so as a temporary failure.
     */
    default TxtAnswer txt(String name) {
        return new TxtAnswer.TempFail("TXT lookups are not supported by " + getClass().getSimpleName());
    }

    /**
     * An answer and how long it may be kept: the lowest TTL of its records, or zero when that is
     * not known (a negative answer, a resolver that does not say).
     */
    record Timed<A>(A answer, Duration ttl) {}

    /** {@link #addresses}, with its time to live. */
    default Timed<AddressAnswer> timedAddresses(String host) {
        return new Timed<>(addresses(host), Duration.ZERO);
    }

    /** {@link #ipv4}, with its time to live. */
    default Timed<AddressAnswer> timedIpv4(String name) {
        return new Timed<>(ipv4(name), Duration.ZERO);
    }

    /** {@link #ptr}, with its time to live. */
    default Timed<PtrAnswer> timedPtr(InetAddress address) {
        return new Timed<>(ptr(address), Duration.ZERO);
    }
}
