package dev.facteur.policy;

import dev.facteur.message.QueueId;
import dev.facteur.message.ReversePath;
import dev.facteur.smtp.Gate;
import dev.facteur.smtp.Reply;
import java.io.IOException;

/**
 * A session of a gate that changes the mail of trusted senders only, once the gates before it
 * have passed it: clients that logged in and relay networks send as the sending platform's
 * customers (its DKIM signatures, its Feedback-ID, its unsubscribe links), everyone else is
 * mail from outside and is left as it came. Subclasses say what they do in {@link #passed}.
 */
abstract class TrustedSenderSession extends ForwardingSession {

    private final boolean relayClient;
    private String login; // null: the client has not logged in
    private QueueId id;
    private ReversePath sender;

    /** @param relayClient whether the client is in a relay network */
    TrustedSenderSession(Gate.Session inner, boolean relayClient) {
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

    /** Whether this client's mail is ours to change: it logged in, or it is in a relay network. */
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

    @Override
    public boolean readsContent() {
        return trusted() || super.readsContent();
    }

    @Override
    public final Gate.EndOfData endOfData(Gate.Content content) throws IOException {
        Gate.EndOfData decision = super.endOfData(content);
        if (decision instanceof Gate.EndOfData.Pass pass && trusted()) passed(content, pass);
        return decision;
    }

    /** A trusted sender's message that the gates before passed, as {@code pass} says: change {@code content} if need be. */
    abstract void passed(Gate.Content content, Gate.EndOfData.Pass pass) throws IOException;
}
