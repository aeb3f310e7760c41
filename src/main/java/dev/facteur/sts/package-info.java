/**
 * MTA-STS (RFC 8461): whether a receiving domain asks that mail reach it only over TLS with a
 * certificate that verifies, and to which MX hosts; and the policy we publish for our own domains.
 *
 * <p>Sending side: {@link dev.facteur.sts.MtaSts#lookup} is what delivery asks before it connects.
 * It reads the {@code _mta-sts.DOMAIN} TXT record ({@link dev.facteur.sts.StsRecord}, §3.1)
 * through the same {@link dev.facteur.dns.DnsResolver} as mail routing, fetches the policy
 * ({@link dev.facteur.sts.StsPolicy}, §3.2) from {@code https://mta-sts.DOMAIN/.well-known/mta-sts.txt}
 * with {@link dev.facteur.sts.PolicyFetcher} (§3.3: the policy host's addresses from that DNS too,
 * its certificate checked, no redirect followed), and keeps it for its {@code max_age} in
 * {@link dev.facteur.sts.PolicyCache}, on disk, so that a restart forgets nothing: a policy in
 * the cache is what protects a domain against an attacker who hides the record or the policy host.
 * Applying the answer (which MX hosts to try, refusing a certificate that does not verify) is
 * delivery's job; this package only says what the policy is.
 *
 * <p>Receiving side: {@link dev.facteur.sts.StsServer} serves our own policy over HTTPS, with
 * certificates read again when their files change.
 */
package dev.facteur.sts;
