package dev.facteur.server;

import dev.facteur.config.Config;
import dev.facteur.events.Event;
import dev.facteur.events.EventSink;
import dev.facteur.events.EventType;
import dev.facteur.message.Envelope;
import dev.facteur.message.Schedule;
import dev.facteur.metrics.DeliveryMetrics;
import dev.facteur.metrics.Metrics;
import dev.facteur.metrics.QueueState;
import dev.facteur.spool.Spool;
import dev.facteur.spool.StoredMessage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The metrics that no part of the server is told as it works, but that are read from what it
 * keeps: the queue counted from the spool at each scrape, each recipient's outcome from the events
 * the queue reports, the disk and the certificates.
 */
final class Metering {

    private Metering() {}

    /** The queue's and the disk's gauges, and the certificates' expiry, all read at each scrape. */
    static void watch(Metrics metrics, Config config, Spool spool) {
        metrics.queue(tally -> {
            for (StoredMessage m : spool.messages()) {
                Envelope e = m.envelope();
                if (!e.isComplete()) tally.add(state(e.schedule()), e.arrival());
            }
        });
        metrics.dataDirectory(config.dataDir());
        certificates(metrics, config);
    }

    /** The expiry of the certificates {@code config} names: at start, and again at each reload. */
    static void certificates(Metrics metrics, Config config) {
        List<Path> certificates = new ArrayList<>();
        config.tls().ifPresent(t -> {
            certificates.add(t.certificate());
            for (var more : t.sni()) certificates.add(more.certificate());
        });
        metrics.certificates(certificates);
    }

    /** Held by an operator or the transport map; else tried before or not. */
    static QueueState state(Schedule s) {
        return QueueState.of(s.held(), s.attempts());
    }

    /**
     * Events on their way to {@code next}, each recipient's outcome counted on the way by its
     * domain: the queue reports exactly these (delivered, deferred, bounced at each attempt;
     * expired when it gives up), whether or not events are kept.
     */
    static EventSink outcomes(Metrics metrics, EventSink next) {
        if (!metrics.enabled()) return next;
        DeliveryMetrics delivery = metrics.delivery();
        return e -> {
            DeliveryMetrics.Outcome o = outcome(e.type());
            if (o != null) delivery.recipient(o, domain(e));
            if (next != EventSink.NONE) next.emit(e);
        };
    }

    private static DeliveryMetrics.Outcome outcome(EventType type) {
        if (type.equals(EventType.DELIVERED)) return DeliveryMetrics.Outcome.DELIVERED;
        if (type.equals(EventType.DEFERRED)) return DeliveryMetrics.Outcome.DEFERRED;
        if (type.equals(EventType.BOUNCED)) return DeliveryMetrics.Outcome.BOUNCED;
        if (type.equals(EventType.EXPIRED)) return DeliveryMetrics.Outcome.EXPIRED;
        return null;
    }

    private static String domain(Event e) {
        String r = e.recipient();
        return r.substring(r.lastIndexOf('@') + 1);
    }
}
