package dev.facteur.dns;

import java.util.List;

/**
 * The DNS questions DANE asks (RFC 7672 §2), each answer with its DNSSEC status. Calls block
 * (callers run on virtual threads) and never throw for DNS trouble: it comes back as
 * {@link Validated.TempFail}. CNAMEs are followed, and an answer reached through any insecure
 * CNAME is insecure however secure its last step.
 */
public interface SecureDns {

    /** The MX records of {@code domain} (RFC 5321 §5.1), or why there are none. */
    Validated<MxAnswer> mx(String domain);

    /** The IPv6 and IPv4 addresses of {@code host}, IPv6 first; secure only when both families are. */
    Validated<AddressAnswer> addresses(String host);

    /**
     * The TLSA records of {@code _port._tcp.host} (RFC 6698 §3). An empty list means there are none
     * (NODATA or NXDOMAIN): for DANE both say the same thing, that the host publishes no TLSA.
     */
    Validated<List<Tlsa>> tlsa(String host, int port);
}
