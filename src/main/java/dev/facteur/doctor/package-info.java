/**
 * {@code facteur doctor}: whether receivers will trust this server, and what to publish or change
 * when they would not. {@link dev.facteur.doctor.Doctor} runs checks about the server (reverse
 * DNS of the addresses mail leaves from, the EHLO name's SPF, the certificate, relaying,
 * blocklists) and about each domain (MX, SPF, DKIM, DMARC, MTA-STS, TLS-RPT, and TLSA when
 * {@code [dns] dnssec} gives DNSSEC answers), asking DNS through the same
 * {@link dev.facteur.dns.DnsResolver} the server uses and evaluating records with the
 * server's own SPF, DKIM and DMARC code, so that what the doctor calls right is what the server
 * and its peers will find. Each check ends in a sealed {@link dev.facteur.doctor.Check} with the
 * exact record or line that fixes it; {@link dev.facteur.doctor.Checklist} and
 * {@link dev.facteur.doctor.JsonReport} print them.
 *
 * <p>The package sends no mail: its only SMTP conversation, the real open-relay test, stops
 * after RCPT.
 */
package dev.facteur.doctor;
