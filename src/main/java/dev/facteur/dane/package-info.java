/**
 * DANE for SMTP (RFC 7672, on RFC 6698 and RFC 7671): whether a connection to an MX host must be
 * authenticated by its TLSA records, and the check itself.
 * <ul>
 * <li>{@link dev.facteur.dane.TlsDiscovery} decides, from the DNSSEC status of the MX, address and
 * TLSA lookups ({@code dev.facteur.dns.SecureDns}), what DANE asks of the connection: a
 * {@link dev.facteur.dane.DaneOutcome}.</li>
 * <li>{@link dev.facteur.dane.Usability} says which TLSA records an SMTP client uses.</li>
 * <li>{@link dev.facteur.dane.DaneVerifier} checks a server's certificate chain against them, and
 * {@link dev.facteur.dane.DaneTls} makes the TLS context whose handshake fails when it does not match.</li>
 * </ul>
 * Delivery asks; nothing here opens a connection or asks DNS. docs/dane.md says what is checked.
 */
package dev.facteur.dane;
