package dev.facteur.events;

import java.io.IOException;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Outcome events for the applications that send through Facteur: each event goes to the event log
 * ({@code events.log}, one JSON object a line) and, when a webhook is configured, from there to
 * the webhook, in batches, signed, at least once. {@link #emit} never waits for the disk or the
 * webhook (at most {@code maxEmitWait} when the log's writer is far behind) and never throws.
 *
 * <pre>{@code
 * try (var events = Events.open(EventLogSettings.in(dataDir.resolve("events")),
 *         Optional.of(WebhookSettings.to(URI.create("https://app.example.com/facteur"), secret)))) {
 *     events.emit(Event.of(EventType.BOUNCED, now, "app@example.com", "bob@example.org")
 *             .withQueueId(id).withAttempt(1).withDiagnostic("550 5.1.1 no such user", "5.1.1"));
 * }
 * }</pre>
 */
public final class Events implements EventSink, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger("facteur.events");

    private final EventLog eventLog;
    private final WebhookSender webhook; // null without one

    private Events(EventLog eventLog, WebhookSender webhook) {
        this.eventLog = eventLog;
        this.webhook = webhook;
    }

    /**
     * Opens the event log (made if need be) and starts its writer; with a webhook, starts posting
     * from where the last run left off.
     *
     * @throws IOException when the directory or {@code events.log} cannot be made or opened
     */
    public static Events open(EventLogSettings logSettings, Optional<WebhookSettings> webhook) throws IOException {
        return open(logSettings, webhook, Environment.SYSTEM);
    }

    static Events open(EventLogSettings logSettings, Optional<WebhookSettings> webhook, Environment env) throws IOException {
        EventLog eventLog = EventLog.open(logSettings, env);
        try {
            return new Events(eventLog, webhook.isPresent() ? WebhookSender.start(eventLog, webhook.get(), env) : null);
        } catch (IOException | RuntimeException e) {
            eventLog.close();
            throw e;
        }
    }

    @Override
    public void emit(Event e) {
        if (e == null) return;
        try {
            eventLog.append(e);
        } catch (RuntimeException failure) { // a bug of ours must not become a failed delivery
            log.error("events: {} event {} for <{}> dropped: {}", e.type(), e.id(), e.recipient(), failure.toString());
        }
    }

    EventLog eventLog() {
        return eventLog;
    }

    Optional<WebhookSender> webhook() {
        return Optional.ofNullable(webhook);
    }

    /**
     * Stops the webhook (a batch under way is sent again at the next start), then writes and syncs
     * what was emitted. Events emitted after this are dropped.
     */
    @Override
    public void close() {
        if (webhook != null) webhook.close();
        eventLog.close();
    }
}
