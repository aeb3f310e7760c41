package dev.facteur.policy;

import dev.facteur.message.QueueId;
import dev.facteur.message.ReversePath;
import dev.facteur.smtp.Gate;
import dev.facteur.smtp.Reply;
import java.io.IOException;

/**
 * A session of a gate that changes the mail of trusted senders only ({@link TrustedSession}), once
 * the gates before it have passed it: everyone else's is left as it came. Subclasses say what
 * they do in {@link #passed}.
 */
abstract class TrustedSenderSession extends TrustedSession {

    /** @param relayClient whether the client is in a relay network */
    TrustedSenderSession(Gate.Session inner, boolean relayClient) {
        super(inner, relayClient);
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
