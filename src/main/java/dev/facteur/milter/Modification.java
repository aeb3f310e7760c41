package dev.facteur.milter;

/**
 * A change a filter asks for at the end of the message, before its final {@link Response}. Apply
 * them in order, and only when that response lets the message through.
 *
 * <p>Header names and values are message text: one char per byte (ISO-8859-1), as Facteur reads
 * header sections elsewhere. A value is what follows the colon, as the field is to be written:
 * folded lines joined by CRLF, and the space after the colon included (a filter that did not
 * negotiate SMFIP_HDR_LEADSPC leaves it out and the MTA adds it; {@link MilterClient} does that).
 * Addresses and parameters are envelope text (UTF-8).
 */
public sealed interface Modification {

    /** SMFIR_ADDHEADER: a field at the end of the header section. */
    record AddHeader(String name, String value) implements Modification {}

    /**
     * SMFIR_INSHEADER: a field before the {@code index}-th one (from 0; past the last, at the end),
     * counting the fields the filter was shown.
     */
    record InsertHeader(int index, String name, String value) implements Modification {}

    /**
     * SMFIR_CHGHEADER: the new value of the {@code index}-th field (from 1; Sendmail's 0 is read as
     * 1) named {@code name}, case-insensitively. Without such a field, Postfix adds one at the end.
     */
    record ChangeHeader(int index, String name, String value) implements Modification {}

    /** SMFIR_CHGHEADER with an empty value: remove the {@code index}-th field (from 1) named {@code name}, if there is one. */
    record DeleteHeader(int index, String name) implements Modification {}

    /**
     * SMFIR_REPLBODY: a piece of the new body (what follows the header section), with CRLF line
     * ends. The first one replaces the body; each later one goes after the one before.
     */
    record ReplaceBody(byte[] chunk) implements Modification {}

    /** SMFIR_CHGFROM: a new sender, as {@code <address>}, with ESMTP MAIL parameters ("" for none). */
    record ChangeSender(String sender, String parameters) implements Modification {}

    /** SMFIR_ADDRCPT, SMFIR_ADDRCPT_PAR: one more recipient, with ESMTP RCPT parameters ("" for none). */
    record AddRecipient(String recipient, String parameters) implements Modification {}

    /** SMFIR_DELRCPT: drop this recipient (as the filter saw it at RCPT, {@code <address>}). */
    record DeleteRecipient(String recipient) implements Modification {}

    /**
     * SMFIR_QUARANTINE: hold the message (Facteur's hold queue), for this reason. Postfix takes it
     * at any event, not only at the end of the message; so does {@link MilterClient}, which hands
     * it over with the end of message's changes (one given at CONNECT or HELO, with each message
     * of the connection).
     */
    record Quarantine(String reason) implements Modification {}
}
