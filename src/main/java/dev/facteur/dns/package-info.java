/**
 * DNS for mail routing and the policy checks: the MX lookup of RFC 5321 §5.1 (with RFC 7505 null
 * MX), the address lookup of each exchanger (AAAA and A, IPv6 first as RFC 6724's default policy
 * orders them), the A-only lookup of DNS lists (RFC 5782) and PTR lookups for reverse DNS.
 * {@link dev.facteur.dns.DnsResolver} is the small blocking interface its users ask; its answers
 * are sealed so that every outcome, temporary failure included, is handled where it is used.
 * {@link dev.facteur.dns.DnsJavaResolver} implements it on dnsjava with a TTL-honouring cache.
 * Deciding what to do with the answers (implicit MX, which failures bounce, who is listed) is
 * the caller's job.
 *
 * <p>For DANE, {@link dev.facteur.dns.SecureDns} asks the MX, address and TLSA questions again
 * with DNSSEC: each answer comes {@link dev.facteur.dns.Validated} (secure, insecure, bogus, or a
 * temporary failure; RFC 4035 §4.3). {@link dev.facteur.dns.DnssecResolver} validates from
 * {@link dev.facteur.dns.TrustAnchors} with dnsjava's validator, or believes a local resolver's
 * AD bit. {@link dev.facteur.dns.Tlsa} is the record, as {@link dev.facteur.dns.Mx} is the MX.
 */
package dev.facteur.dns;
