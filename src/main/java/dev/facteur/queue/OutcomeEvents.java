package dev.facteur.queue;

import dev.facteur.delivery.Attempt;
import dev.facteur.delivery.DeliveryAgent;
import dev.facteur.delivery.Outcome;
import dev.facteur.events.Event;
import dev.facteur.events.EventSink;
import dev.facteur.events.EventType;
import dev.facteur.message.Envelope;
import dev.facteur.message.Recipient;
import java.time.Instant;
import java.util.List;

/**
 * The events an attempt's outcomes make for the application (see {@code dev.facteur.events}):
 * one per recipient tried — delivered, deferred or bounced — and one per recipient that expired.
 * Postponed recipients were not tried and make none; held ones neither.
 */
final class OutcomeEvents {

    private final EventSink sink;

    OutcomeEvents(EventSink sink) {
        this.sink = sink;
    }

    /** The outcomes of one attempt of {@code envelope} (as it was before them). */
    void attempted(Envelope envelope, List<Attempt> attempts, Instant now) {
        if (sink == EventSink.NONE) return;
        int attempt = envelope.schedule().attempts() + 1;
        for (Attempt a : attempts) {
            EventType type = switch (a.outcome()) {
                case Outcome.Delivered d -> EventType.DELIVERED;
                case Outcome.Deferred d -> EventType.DEFERRED;
                case Outcome.Failed f -> EventType.BOUNCED;
                case Outcome.Held h -> null;
                case Outcome.Postponed p -> null;
            };
            if (type == null) continue;
            Recipient r = envelope.recipients().get(a.recipientIndex());
            var reply = a.outcome().reply();
            sink.emit(event(type, envelope, r, now).withAttempt(attempt).withDiagnostic(DeliveryAgent.diagnostic(reply), reply.enhanced())
                    .withRemoteMta(a.remoteMta()));
        }
    }

    /** Recipients that failed because the message outlived its lifetime. */
    void expired(Envelope envelope, List<Recipient> expired, Instant now) {
        if (sink == EventSink.NONE) return;
        for (Recipient r : expired) sink.emit(event(EventType.EXPIRED, envelope, r, now).withDiagnostic(r.diagnostic(), "4.4.7"));
    }

    private static Event event(EventType type, Envelope envelope, Recipient r, Instant now) {
        String sender = envelope.sender().mailbox().map(Object::toString).orElse("");
        return Event.of(type, now, sender, r.address().toString()).withQueueId(envelope.id().toString());
    }
}
