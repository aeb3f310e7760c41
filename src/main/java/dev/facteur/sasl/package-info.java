/**
 * Logging in: SASL mechanisms (PLAIN, RFC 4616; LOGIN) and where users come from (a
 * passwd-style file with Dovecot's password hashes), for the SMTP server's AUTH command through
 * {@link dev.facteur.smtp.Authenticator}. The SMTP package knows no user; this package knows no SMTP.
 */
package dev.facteur.sasl;
