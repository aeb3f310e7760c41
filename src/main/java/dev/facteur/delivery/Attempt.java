package dev.facteur.delivery;

import java.time.Duration;

/**
 * The outcome for one recipient of one delivery attempt, with the server that decided it and
 * whether that server took over DSN duties (it advertised DSN, RFC 3461 §4.2).
 *
 * @param recipientIndex position in the envelope's recipient list
 * @param remoteMta      host name of the server that answered, or null when none did
 * @param finalDelivery  whether a success put the message in the recipient's mailbox (Maildir,
 *                       LMTP), rather than passing it to another MTA: "delivered", not "relayed"
 * @param answerTime     how long the server took to answer in the mail transaction (waiting for
 *                       its replies; not connecting, not writing), the queue's measure of its
 *                       pace; null when no transaction took place
 */
public record Attempt(int recipientIndex, Outcome outcome, String remoteMta, boolean remoteDsn, boolean finalDelivery,
        Duration answerTime) {

    /** An attempt that handed the message to another MTA (or failed). */
    public Attempt(int recipientIndex, Outcome outcome, String remoteMta, boolean remoteDsn) {
        this(recipientIndex, outcome, remoteMta, remoteDsn, false, null);
    }

    public Attempt(int recipientIndex, Outcome outcome, String remoteMta, boolean remoteDsn, boolean finalDelivery) {
        this(recipientIndex, outcome, remoteMta, remoteDsn, finalDelivery, null);
    }
}
