package dev.facteur.bounce;

import dev.facteur.message.Mailbox;
import java.time.LocalDate;

/** What {@link UnsubscribeLinks#read} found in the token of an unsubscribe link. Only {@link Genuine} may change the suppression list. */
public sealed interface UnsubscribeToken {

    /**
     * A token one of our secrets made: {@code recipient} asks to get no more mail from {@code senderDomain}.
     *
     * @param issued the day (UTC) the link was made, for the record: a link never expires
     */
    record Genuine(Mailbox recipient, String senderDomain, LocalDate issued) implements UnsubscribeToken {}

    /** Not a token at all: characters outside base64url, a wrong length, a form we never write. */
    record Malformed(String reason) implements UnsubscribeToken {}

    /** The form of a token, but a signature none of the secrets made for these bytes: someone wrote or changed it. */
    record Forged(String reason) implements UnsubscribeToken {}
}
