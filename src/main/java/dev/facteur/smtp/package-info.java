/**
 * The SMTP server protocol (RFC 5321 with ESMTP extensions): command syntax, the per-connection
 * state machine, the DATA/BDAT readers and the socket loop. It hands finished messages to a
 * {@link dev.facteur.smtp.MessageSink} and knows nothing about how they are stored.
 */
package dev.facteur.smtp;
