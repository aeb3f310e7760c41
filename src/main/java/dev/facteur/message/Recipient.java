package dev.facteur.message;

/**
 * One RCPT TO: the forward path, its RFC 3461 parameters, and where delivery stands.
 *
 * @param orcpt the ORCPT value as received ({@code addr-type;xtext}), or null
 */
public record Recipient(Mailbox address, Notify dsnNotify, String orcpt, State state) {

    /** Where one recipient stands; later stages add attempts and errors. */
    public enum State { PENDING, DELIVERED, FAILED }

    public static Recipient pending(Mailbox address, Notify notify, String orcpt) {
        return new Recipient(address, notify, orcpt, State.PENDING);
    }

    public Recipient withState(State s) {
        return new Recipient(address, dsnNotify, orcpt, s);
    }
}
