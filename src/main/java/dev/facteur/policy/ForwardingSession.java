package dev.facteur.policy;

import dev.facteur.message.Mailbox;
import dev.facteur.message.QueueId;
import dev.facteur.message.ReversePath;
import dev.facteur.smtp.Gate;
import dev.facteur.smtp.Reply;
import java.io.IOException;
import java.time.Duration;
import java.util.List;

/** A session that passes every question to another: for gates that add one step to a gate. */
abstract class ForwardingSession implements Gate.Session {

    protected final Gate.Session inner;

    ForwardingSession(Gate.Session inner) {
        this.inner = inner;
    }

    @Override
    public Duration greetPause() {
        return inner.greetPause();
    }

    @Override
    public void protocolViolation(String what) {
        inner.protocolViolation(what);
    }

    @Override
    public Reply connect() {
        return inner.connect();
    }

    @Override
    public Reply helo(String name) {
        return inner.helo(name);
    }

    @Override
    public void authenticated(String user, String mechanism) {
        inner.authenticated(user, mechanism);
    }

    @Override
    public Reply mail(QueueId id, ReversePath sender, long size) {
        return inner.mail(id, sender, size);
    }

    @Override
    public Reply rcpt(Mailbox recipient) {
        return inner.rcpt(recipient);
    }

    @Override
    public Reply data() {
        return inner.data();
    }

    @Override
    public boolean readsContent() {
        return inner.readsContent();
    }

    @Override
    public Gate.EndOfData endOfData(Gate.Content content) throws IOException {
        return inner.readsContent() ? inner.endOfData(content) : Gate.EndOfData.PASS;
    }

    @Override
    public List<String> headers() {
        return inner.headers();
    }

    @Override
    public String clientName() {
        return inner.clientName();
    }

    @Override
    public String hold() {
        return inner.hold();
    }

    @Override
    public void reset() {
        inner.reset();
    }

    @Override
    public void close() {
        inner.close();
    }
}
