package dev.facteur.policy;

import dev.facteur.message.QueueId;
import dev.facteur.message.ReversePath;
import dev.facteur.smtp.Gate;
import dev.facteur.smtp.Reply;

/**
 * A session that knows whether its client is one of ours: a client that logged in, or one in a
 * relay network, sends as the sending platform's customers; everyone else is mail from outside.
 * The gates that act for trusted senders only (their signatures, Feedback-ID, unsubscribe links,
 * suppression list) start from it.
 */
abstract class TrustedSession extends ForwardingSession {

    private final boolean relayClient;
    private String login; // null: the client has not logged in
    private QueueId id;
    private ReversePath sender;

    /** @param relayClient whether the client is in a relay network */
    TrustedSession(Gate.Session inner, boolean relayClient) {
        super(inner);
        this.relayClient = relayClient;
    }

    @Override
    public void authenticated(String user, String mechanism) {
        login = user;
        super.authenticated(user, mechanism);
    }

    @Override
    public Reply mail(QueueId id, ReversePath sender, long size) {
        this.id = id;
        this.sender = sender;
        return super.mail(id, sender, size);
    }

    /** Whether this client's mail is ours: it logged in, or it is in a relay network. */
    final boolean trusted() {
        return login != null || relayClient;
    }

    /** The user the client logged in as; null when it did not. */
    final String login() {
        return login;
    }

    /** The transaction's queue id, for log lines. */
    final QueueId id() {
        return id;
    }

    /** The transaction's reverse-path. */
    final ReversePath sender() {
        return sender;
    }
}
