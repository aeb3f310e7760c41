package dev.facteur.message;

/**
 * One RCPT TO: the forward path, its RFC 3461 parameters, and where delivery stands.
 *
 * @param orcpt      the ORCPT value as received ({@code addr-type;xtext}), or null
 * @param diagnostic the last reply that decided or delayed this recipient, as
 *                   {@code "550 5.1.1 text"}, or null before any attempt
 * @param remoteMta  the server that gave that reply, or null
 */
public record Recipient(Mailbox address, Notify dsnNotify, String orcpt, State state, String diagnostic, String remoteMta) {

    /** Where one recipient stands. */
    /**
     * EXPANDED marks an alias the client named, which became several recipients (RFC 3461
     * §5.2.7.3): not delivered itself, kept so the sender who asked for NOTIFY=SUCCESS hears of it.
     * (Appended last: the spool stores the ordinal.)
     */
    public enum State { PENDING, DELIVERED, FAILED, EXPANDED }

    public Recipient(Mailbox address, Notify dsnNotify, String orcpt, State state) {
        this(address, dsnNotify, orcpt, state, null, null);
    }

    public static Recipient pending(Mailbox address, Notify notify, String orcpt) {
        return new Recipient(address, notify, orcpt, State.PENDING);
    }

    public Recipient withState(State s) {
        return new Recipient(address, dsnNotify, orcpt, s, diagnostic, remoteMta);
    }

    /** The result of an attempt: new state, the reply that decided it, and who said it. */
    public Recipient after(State s, String diagnostic, String remoteMta) {
        return new Recipient(address, dsnNotify, orcpt, s, diagnostic, remoteMta);
    }

    public boolean isPending() {
        return state == State.PENDING;
    }
}
