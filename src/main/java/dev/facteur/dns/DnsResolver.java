package dev.facteur.dns;

/**
 * The DNS questions mail routing asks. Calls block (callers run on virtual threads) and never
 * throw for DNS trouble: timeouts, SERVFAIL and the like come back as {@code TempFail}.
 * Names are always absolute: no search domain is ever appended.
 */
public interface DnsResolver {

    /** The MX records of {@code domain} (RFC 5321 §5.1), or why there are none. */
    MxAnswer mx(String domain);

    /** The IPv6 and IPv4 addresses of {@code host}, following CNAMEs, IPv6 first. */
    AddressAnswer addresses(String host);
}
