/**
 * Delivery to other mail servers: the SMTP client (RFC 5321 client side, with STARTTLS,
 * PIPELINING, SIZE, 8BITMIME, SMTPUTF8 and DSN honoured as the server offers them) and the
 * per-recipient outcome of each attempt.
 */
package dev.facteur.delivery;
