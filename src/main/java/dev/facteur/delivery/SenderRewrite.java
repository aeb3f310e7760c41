package dev.facteur.delivery;

import dev.facteur.message.Envelope;
import dev.facteur.message.Mailbox;
import dev.facteur.message.ReversePath;

/**
 * The reverse-path to give in MAIL FROM when a message goes to {@code recipient} by SMTP: the
 * envelope's, or another: SRS, for mail we forward (the next hop's SPF then checks us, and its
 * bounces come back to us), or VERP, for our own senders' mail (each recipient's copy with a
 * return path naming that recipient, so that its bounce tells whom it is about). Mailboxes and
 * LMTP always get the envelope's.
 */
public interface SenderRewrite {

    SenderRewrite NONE = (envelope, recipient) -> envelope.sender();

    /** The reverse-path of the copy of {@code envelope} for {@code recipient}. */
    ReversePath mailFrom(Envelope envelope, Mailbox recipient);

    /**
     * Whether each recipient of {@code envelope} gets a reverse-path of its own, and so a
     * transaction of its own (VERP); otherwise {@link #mailFrom} gives one for all the
     * recipients of a domain, asked with the first of them.
     */
    default boolean perRecipient(Envelope envelope) {
        return false;
    }
}
