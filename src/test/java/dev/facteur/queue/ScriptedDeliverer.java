package dev.facteur.queue;

import dev.facteur.delivery.Attempt;
import dev.facteur.delivery.OutgoingMessage;
import dev.facteur.delivery.Outcome;
import dev.facteur.message.Envelope;
import dev.facteur.message.Mailbox;
import dev.facteur.message.Recipient;
import dev.facteur.smtp.Reply;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Answers each recipient from a script (unknown addresses are deferred, 451); a recipient's
 * destination is its domain. Remembers every address it was asked to deliver to.
 */
final class ScriptedDeliverer implements QueueManager.Deliverer {

    final Map<String, Outcome> script = new ConcurrentHashMap<>();
    /** Whether the server said it does DSN (default: yes); no means a "relayed" notice is due. */
    final Map<String, Boolean> remoteDsn = new ConcurrentHashMap<>();
    /** Addresses delivered to our own mailboxes rather than relayed. */
    final Set<String> mailboxes = ConcurrentHashMap.newKeySet();
    final List<String> attempted = new CopyOnWriteArrayList<>();
    /** Runs before each delivery, with the destination: a test looks at the spool then. */
    volatile Consumer<String> before = destination -> {};

    static Outcome ok() {
        return new Outcome.Delivered(new Reply(250, "2.0.0", "ok"));
    }

    static Outcome refused() {
        return new Outcome.Failed(new Reply(550, "5.1.1", "no such user"));
    }

    @Override
    public String destination(Mailbox recipient) {
        return recipient.domainKey();
    }

    @Override
    public List<Attempt> deliver(Envelope envelope, long size, OutgoingMessage.Content content, List<Integer> recipients) {
        before.accept(destination(envelope.recipients().get(recipients.getFirst()).address()));
        List<Attempt> out = new ArrayList<>();
        for (int i : recipients) {
            Recipient r = envelope.recipients().get(i);
            String address = r.address().toString();
            attempted.add(address);
            Outcome o = script.getOrDefault(address, new Outcome.Deferred(new Reply(451, "4.3.0", "try later")));
            boolean local = mailboxes.contains(address);
            out.add(new Attempt(i, o, "mx.example.org", !local && remoteDsn.getOrDefault(address, true), local));
        }
        return out;
    }
}
