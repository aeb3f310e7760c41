package dev.facteur.bounce;

import dev.facteur.message.Mailbox;

/** What {@link Verp#decode} found in the address a bounce came to. Only {@link Recipient} may change the suppression list. */
public sealed interface VerpDecoded {

    /** A tag of ours, signed and not too old: the bounce is about {@code recipient}. */
    record Recipient(Mailbox recipient, int ageDays) implements VerpDecoded {}

    /** Not a VERP address (no prefix): some other mail to the bounce domain. */
    record NotVerp() implements VerpDecoded {}

    /** The prefix, but not the rest of the form. */
    record Malformed(String reason) implements VerpDecoded {}

    /** The form, but a tag that none of the secrets made for this recipient and domain: someone wrote it. */
    record Forged(String reason) implements VerpDecoded {}

    /** A tag of ours, older than the maximum age (a day number from the future counts as old). */
    record Expired(int ageDays, int maxAgeDays) implements VerpDecoded {}
}
