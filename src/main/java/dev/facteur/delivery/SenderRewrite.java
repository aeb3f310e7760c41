package dev.facteur.delivery;

import dev.facteur.message.Envelope;
import dev.facteur.message.ReversePath;

/**
 * The reverse-path to give in MAIL FROM when a message goes to {@code domain} by SMTP: the
 * envelope's, or another (SRS, for mail we forward: the next hop's SPF then checks us, and its
 * bounces come back to us). Mailboxes and LMTP always get the envelope's.
 */
@FunctionalInterface
public interface SenderRewrite {

    SenderRewrite NONE = (envelope, domain) -> envelope.sender();

    ReversePath mailFrom(Envelope envelope, String domain);
}
