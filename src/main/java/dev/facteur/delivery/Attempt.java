package dev.facteur.delivery;

/**
 * The outcome for one recipient of one delivery attempt, with the server that decided it and
 * whether that server took over DSN duties (it advertised DSN, RFC 3461 §4.2).
 *
 * @param recipientIndex position in the envelope's recipient list
 * @param remoteMta      host name of the server that answered, or null when none did
 * @param finalDelivery  whether a success put the message in the recipient's mailbox (Maildir,
 *                       LMTP), rather than passing it to another MTA: "delivered", not "relayed"
 */
public record Attempt(int recipientIndex, Outcome outcome, String remoteMta, boolean remoteDsn, boolean finalDelivery) {

    /** An attempt that handed the message to another MTA (or failed). */
    public Attempt(int recipientIndex, Outcome outcome, String remoteMta, boolean remoteDsn) {
        this(recipientIndex, outcome, remoteMta, remoteDsn, false);
    }
}
