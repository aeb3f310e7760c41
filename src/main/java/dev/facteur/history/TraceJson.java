package dev.facteur.history;

import dev.facteur.message.Envelope;
import dev.facteur.message.Recipient;
import dev.facteur.spool.StoredMessage;
import java.util.List;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A trace for scripts ({@code facteur trace --json}): an array of messages, newest first, each
 * with its events as the history stores them (the same fields as the day files, {@code
 * docs/history.md}) and, while it is queued, its state in the queue.
 */
public final class TraceJson {

    private static final JsonMapper JSON = new JsonMapper();

    private TraceJson() {}

    public static String format(List<MessageTrace> traces) {
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(tree(traces));
    }

    /** The same array as a tree, for an answer that carries it ({@code GET /api/history}). */
    public static ArrayNode tree(List<MessageTrace> traces) {
        ArrayNode all = JSON.createArrayNode();
        for (MessageTrace t : traces) all.add(message(t));
        return all;
    }

    /** Events as a trace shows them: each the history's line, as a tree. */
    public static ArrayNode events(List<HistoryEvent> events) {
        ArrayNode out = JSON.createArrayNode();
        for (HistoryEvent e : events) out.add(HistoryLine.tree(e));
        return out;
    }

    static ObjectNode message(MessageTrace t) {
        ObjectNode o = JSON.createObjectNode();
        o.put("queue_id", t.id().toString());
        o.put("message_id", t.messageId());
        o.set("events", events(t.events()));
        if (t.queued().isPresent()) o.set("queued", queued(t.queued().get()));
        else o.putNull("queued");
        return o;
    }

    private static ObjectNode queued(StoredMessage m) {
        Envelope e = m.envelope();
        ObjectNode q = JSON.createObjectNode();
        q.put("attempts", e.schedule().attempts());
        q.put("held", e.schedule().held());
        if (e.schedule().nextAttempt() != null) q.put("next_attempt", e.schedule().nextAttempt().toString());
        else q.putNull("next_attempt");
        ArrayNode rs = q.putArray("recipients");
        for (Recipient r : e.recipients()) {
            ObjectNode rn = rs.addObject().put("address", r.address().toString()).put("state", TraceText.state(r));
            if (r.diagnostic() != null) rn.put("last_reply", r.diagnostic());
            if (r.remoteMta() != null) rn.put("remote_mta", r.remoteMta());
        }
        return q;
    }
}
