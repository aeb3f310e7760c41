/**
 * Local delivery: final recipients written into Maildir directories (cr.yp.to/proto/maildir.html,
 * with the Maildir++ {@code ,S=} and {@code ,W=} sizes Dovecot and Courier read), with loop
 * detection through {@code Delivered-To:} and a per-mailbox quota. Every outcome is a
 * {@link dev.facteur.smtp.Reply}, temporary or permanent, so the queue treats it like a remote one.
 */
package dev.facteur.local;
