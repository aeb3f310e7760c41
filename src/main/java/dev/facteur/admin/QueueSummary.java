package dev.facteur.admin;

import dev.facteur.message.Envelope;
import dev.facteur.message.Recipient;
import dev.facteur.metrics.QueueState;
import dev.facteur.spool.StoredMessage;
import java.time.Instant;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The queue at a glance ({@code GET /api/queue/summary}): how many messages, in which state, the
 * oldest arrival, and the destinations most mail waits for.
 *
 * @param oldest       the earliest arrival; null for an empty queue
 * @param destinations the {@value #TOP} domains with the most messages waiting (ties by name)
 */
record QueueSummary(long total, Map<QueueState, Long> states, Instant oldest, List<Destination> destinations) {

    static final int TOP = 20;
    private static final JsonMapper JSON = new JsonMapper();

    /**
     * One domain's waiting mail.
     *
     * @param messages  messages with a recipient pending there
     * @param deferred  of those, the ones tried before
     * @param lastReply the reply a pending recipient there was last given, read from the newest
     *                  message that has one (the one tried most recently, as far as the spool
     *                  tells); null when none was tried
     */
    record Destination(String domain, long messages, long deferred, String lastReply) {}

    QueueSummary {
        states = Map.copyOf(states);
        destinations = List.copyOf(destinations);
    }

    /** Reads {@code messages} once, oldest first, keeping a count per domain rather than the messages. */
    static QueueSummary of(Stream<StoredMessage> messages) {
        long total = 0;
        Map<QueueState, Long> states = new EnumMap<>(QueueState.class);
        for (QueueState s : QueueState.values()) states.put(s, 0L);
        Instant oldest = null;
        Map<String, Tally> domains = new HashMap<>();
        for (StoredMessage m : (Iterable<StoredMessage>) messages::iterator) {
            Envelope e = m.envelope();
            if (e.isComplete()) continue;
            total++;
            QueueState state = QueueState.of(e.schedule().held(), e.schedule().attempts());
            states.merge(state, 1L, Long::sum);
            if (oldest == null || e.arrival().isBefore(oldest)) oldest = e.arrival();
            Set<String> seen = new HashSet<>();
            for (Recipient r : e.recipients()) {
                if (!r.isPending()) continue;
                Tally t = domains.computeIfAbsent(r.address().domainKey(), d -> new Tally());
                if (seen.add(r.address().domainKey())) {
                    t.messages++;
                    if (state == QueueState.DEFERRED) t.deferred++;
                }
                if (r.diagnostic() != null) t.lastReply = r.diagnostic();
            }
        }
        List<Destination> top = domains.entrySet().stream()
                .map(d -> new Destination(d.getKey(), d.getValue().messages, d.getValue().deferred, d.getValue().lastReply))
                .sorted(Comparator.comparingLong(Destination::messages).reversed().thenComparing(Destination::domain))
                .limit(TOP).toList();
        return new QueueSummary(total, states, oldest, top);
    }

    private static final class Tally {
        long messages;
        long deferred;
        String lastReply;
    }

    ObjectNode json() {
        ObjectNode o = JSON.createObjectNode();
        o.put("total", total);
        ObjectNode s = o.putObject("states");
        for (QueueState state : QueueState.values()) s.put(state.label(), states.getOrDefault(state, 0L));
        o.put("oldest", oldest == null ? null : oldest.toString());
        var ds = o.putArray("destinations");
        for (Destination d : destinations)
            ds.addObject().put("domain", d.domain()).put("messages", d.messages()).put("deferred", d.deferred()).put("last_reply", d.lastReply());
        return o;
    }
}
