package dev.facteur.admin;

import dev.facteur.message.Envelope;
import dev.facteur.message.Recipient;
import dev.facteur.metrics.QueueState;
import dev.facteur.spool.StoredMessage;
import java.time.Instant;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A queued message as {@code /api/queue} shows it: {@code {"id", "arrival", "size", "sender",
 * "state", "attempts", "next_attempt", "recipients": [{"address", "state", "diagnostic"}]}}.
 * Every field is always there, null when it has no value, so a client need not test for keys.
 */
final class MessageJson {

    private static final JsonMapper JSON = new JsonMapper();

    private MessageJson() {}

    static ObjectNode of(StoredMessage m) {
        Envelope e = m.envelope();
        ObjectNode o = JSON.createObjectNode();
        o.put("id", e.id().toString());
        o.put("arrival", e.arrival().toString());
        o.put("size", m.size());
        o.put("sender", e.sender().mailbox().map(Object::toString).orElse("")); // "" is the null sender <>
        o.put("state", QueueState.of(e.schedule().held(), e.schedule().attempts()).label());
        o.put("attempts", e.schedule().attempts());
        o.put("next_attempt", time(e.schedule().nextAttempt()));
        ArrayNode rs = o.putArray("recipients");
        for (Recipient r : e.recipients())
            rs.addObject().put("address", r.address().toString()).put("state", state(r.state())).put("diagnostic", r.diagnostic());
        return o;
    }

    /** The recipient's state as DSNs and the logs say it: a failed recipient was bounced to the sender. */
    static String state(Recipient.State s) {
        return switch (s) {
            case PENDING -> "pending";
            case DELIVERED -> "delivered";
            case FAILED -> "bounced";
            case EXPANDED -> "expanded";
        };
    }

    private static String time(Instant t) {
        return t == null ? null : t.toString();
    }
}
