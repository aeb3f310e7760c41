/**
 * SPF (RFC 7208): whether a domain authorises a client's IP address to use it in HELO or MAIL
 * FROM. {@link dev.facteur.auth.spf.Spf} runs check_host() (§4) over a
 * {@link dev.facteur.dns.DnsResolver} and returns a sealed {@link dev.facteur.auth.spf.SpfResult};
 * {@link dev.facteur.auth.spf.ReceivedSpf} writes what it found into a Received-SPF header field
 * (§9.1) or an Authentication-Results method result (RFC 8601).
 *
 * <p>The package owns record parsing (§4.5, §4.6, §5, §6), macros (§7) and the processing limits
 * (§4.6.4). It never throws for what a domain publishes or a client sends: every malformed record
 * and every DNS failure ends in the result the RFC gives for it. It does not time the evaluation
 * out: callers run it on a virtual thread and interrupt it, which ends it as a temperror.
 */
package dev.facteur.auth.spf;
