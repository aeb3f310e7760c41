package dev.facteur.history;

import dev.facteur.message.Envelope;
import dev.facteur.message.QueueId;
import dev.facteur.message.Recipient;
import dev.facteur.spool.Spool;
import dev.facteur.spool.StoredMessage;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The life of the messages a lookup finds: their history, and for those still queued what the
 * spool holds now (recipients' states, next attempt). A queued message the history has nothing of
 * (history off, or the message older than what it keeps) is found by its envelope all the same,
 * and its arrival told from the envelope.
 */
public final class Tracer {

    private final HistoryReader history;
    private final Spool spool; // null: not read

    /** @param spool the spool, opened to read; null to look at the history alone */
    public Tracer(HistoryReader history, Spool spool) {
        this.history = history;
        this.spool = spool;
    }

    /** At most {@code limit} messages, newest first, with their events since {@code since} (null: all there are). */
    public List<MessageTrace> trace(Lookup lookup, Instant since, int limit) throws IOException {
        var all = new TreeMap<QueueId, MessageTrace>(Comparator.reverseOrder());
        for (MessageTrace t : history.find(lookup, since, limit)) all.put(t.id(), t);
        if (spool != null) {
            for (StoredMessage m : queuedCandidates(lookup)) {
                Envelope e = m.envelope();
                if (all.containsKey(e.id()) || !lookup.finds(e) || (since != null && e.arrival().isBefore(since))) continue;
                all.put(e.id(), new MessageTrace(e.id(), List.of(arrival(m)), Optional.empty()));
            }
            for (var entry : all.entrySet()) entry.setValue(entry.getValue().withQueued(spool.find(entry.getKey())));
        }
        return all.values().stream().limit(limit).toList();
    }

    private List<StoredMessage> queuedCandidates(Lookup lookup) {
        if (lookup instanceof Lookup.ByQueueId(QueueId id)) return spool.find(id).stream().toList();
        if (lookup instanceof Lookup.ByMessageId) return List.of(); // found through the history only
        return spool.messages();
    }

    /** The arrival as the envelope tells it: no login (the spool does not keep it), the Message-ID read from the content. */
    private HistoryEvent.Received arrival(StoredMessage m) {
        Envelope e = m.envelope();
        String messageId = "";
        try (InputStream in = spool.openContent(e.id())) {
            messageId = MessageIdScanner.read(in);
        } catch (IOException ex) {
            // gone meanwhile, or unreadable: the trace does without
        }
        List<String> rcpts = new ArrayList<>();
        for (Recipient r : e.recipients()) rcpts.add(r.address().toString());
        return new HistoryEvent.Received(e.arrival(), e.id(), messageId, e.sender().mailbox().map(Object::toString).orElse(""),
                rcpts, m.size(), e.client().address(), "", e.client().helo(), e.client().protocol(), e.client().tls(), "");
    }
}
