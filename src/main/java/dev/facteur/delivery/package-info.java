/**
 * Delivery to other mail servers: the SMTP client (RFC 5321 client side, with STARTTLS,
 * PIPELINING, SIZE, 8BITMIME, SMTPUTF8 and DSN honoured as the server offers them) and the
 * per-recipient outcome of each attempt. What each reply at each stage means for the
 * recipients is in docs/delivery.md; {@link dev.facteur.delivery.TlsPolicy} is how a
 * destination's TLS requirement reaches the client.
 */
package dev.facteur.delivery;
