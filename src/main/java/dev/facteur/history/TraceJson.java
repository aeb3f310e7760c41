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
        ArrayNode all = JSON.createArrayNode();
        for (MessageTrace t : traces) all.add(message(t));
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(all);
    }

    static ObjectNode message(MessageTrace t) {
        ObjectNode o = JSON.createObjectNode();
        o.put("queue_id", t.id().toString());
        o.put("message_id", t.messageId());
        ArrayNode events = o.putArray("events");
        for (HistoryEvent e : t.events()) events.add(HistoryLine.tree(e));
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
