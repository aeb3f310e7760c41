package dev.facteur.bounce;

import dev.facteur.message.Mailbox;

/** What {@link Verp#encode} made of a recipient. */
public sealed interface VerpEncoded {

    /** The reverse-path to send this recipient's copy with: its bounces name the recipient, signed. */
    record Tagged(Mailbox returnPath) implements VerpEncoded {}

    /**
     * The recipient does not fit in a local part of 64 octets (RFC 5321 §4.5.3.1.1) with the tag:
     * the copy goes with the message's own reverse-path, and its bounces are matched by their
     * content (the DSN's Final-Recipient) rather than their address.
     *
     * @param localPartOctets what the local part would have taken
     */
    record TooLong(Mailbox recipient, int localPartOctets) implements VerpEncoded {}
}
