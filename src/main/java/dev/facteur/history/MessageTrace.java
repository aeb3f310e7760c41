package dev.facteur.history;

import dev.facteur.message.QueueId;
import dev.facteur.spool.StoredMessage;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The life of one message: its events from the history, oldest first, and what the spool holds
 * of it while it is still queued.
 *
 * @param queued the message as the spool has it now; empty once it has left the queue (or when the
 *               spool was not read)
 */
public record MessageTrace(QueueId id, List<HistoryEvent> events, Optional<StoredMessage> queued) {

    public MessageTrace {
        // stable: events of the same millisecond stay in the order they were written
        events = events.stream().sorted(Comparator.comparing(HistoryEvent::time)).toList();
    }

    /** Its {@code Message-ID}, as it arrived; "" when unknown. */
    public String messageId() {
        return received().map(HistoryEvent.Received::messageId).orElse("");
    }

    /** Its arrival, when the history still has it. */
    public Optional<HistoryEvent.Received> received() {
        return events.stream().filter(e -> e instanceof HistoryEvent.Received r && r.queueId().equals(id))
                .map(e -> (HistoryEvent.Received) e).findFirst();
    }

    public MessageTrace withQueued(Optional<StoredMessage> m) {
        return new MessageTrace(id, events, m);
    }
}
