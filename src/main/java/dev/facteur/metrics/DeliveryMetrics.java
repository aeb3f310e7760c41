package dev.facteur.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The meters of mail leaving: each delivery attempt (one message to one destination: one
 * transaction, or one round of local deliveries) with its duration, and each recipient's outcome
 * by destination domain. The domains are a bounded label ({@link TopLabels}): the
 * {@value #DESTINATIONS} with the most outcomes, and {@code other}.
 */
public final class DeliveryMetrics {

    /** What happened, as the metrics name it. */
    public enum Outcome {
        /** Accepted by the next hop or put in the mailbox. */
        DELIVERED,
        /** A temporary failure: tried again later. */
        DEFERRED,
        /** A permanent failure: the sender gets a DSN. */
        BOUNCED,
        /** Temporary failures until the message's lifetime ran out (a recipient's outcome, never an attempt's). */
        EXPIRED;

        private final String label = name().toLowerCase(Locale.ROOT);

        public String label() {
            return label;
        }
    }

    /** Destination domains that get a label of their own. */
    static final int DESTINATIONS = 20;

    /** Seconds: a local delivery takes milliseconds, a remote one up to the data timeout. */
    private static final Duration[] DURATION_BUCKETS = seconds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600);

    private final MeterRegistry registry;
    private final TlsSessions tls;
    private final Timer[] durations = new Timer[3];
    private final Counter[] attempts = new Counter[3];
    private final Counter retries;
    /** Guarded by this: the named domains and their meters change together. */
    private final TopLabels destinations;
    private final Map<String, Counter[]> deliveries = new HashMap<>();

    DeliveryMetrics(MeterRegistry registry, TlsSessions tls) {
        this.registry = registry;
        this.tls = tls;
        for (Outcome o : new Outcome[] {Outcome.DELIVERED, Outcome.DEFERRED, Outcome.BOUNCED}) {
            durations[o.ordinal()] = Timer.builder("facteur.delivery.duration").tag("outcome", o.label())
                    .serviceLevelObjectives(DURATION_BUCKETS).description("Duration of delivery attempts, by outcome").register(registry);
            attempts[o.ordinal()] = Counter.builder("facteur.delivery.attempts").tag("outcome", o.label())
                    .description("Delivery attempts (one message to one destination), by outcome").register(registry);
        }
        retries = Counter.builder("facteur.delivery.retries").description("Delivery attempts of messages tried before").register(registry);
        destinations = new TopLabels(DESTINATIONS, 50 * DESTINATIONS, 100, this::forget);
        counters(TopLabels.OTHER);
    }

    /**
     * One attempt took {@code nanos}: its outcome is {@link Outcome#DELIVERED} when every
     * recipient tried was, {@link Outcome#DEFERRED} when any was deferred, else
     * {@link Outcome#BOUNCED}; {@code retry} when the message had been tried before.
     */
    public void attempted(Outcome outcome, long nanos, boolean retry) {
        if (outcome == Outcome.EXPIRED) throw new IllegalArgumentException("an attempt does not expire; a recipient does");
        durations[outcome.ordinal()].record(nanos, TimeUnit.NANOSECONDS);
        attempts[outcome.ordinal()].increment();
        if (retry) retries.increment();
    }

    /** What happened to one recipient at {@code domain} (an attempt's outcome, or expiry). */
    public void recipient(Outcome outcome, String domain) {
        String d = domain.toLowerCase(Locale.ROOT);
        Counter c;
        synchronized (this) {
            c = counters(destinations.label(d))[outcome.ordinal()];
        }
        c.increment();
    }

    /** A TLS session with a server we deliver to started, with this protocol ({@code TLSv1.3}, or as the log says it). */
    public void tlsStarted(String protocol) {
        tls.outbound(protocol);
    }

    private Counter[] counters(String destination) {
        return deliveries.computeIfAbsent(destination, d -> {
            Counter[] byOutcome = new Counter[Outcome.values().length];
            for (Outcome o : Outcome.values()) {
                byOutcome[o.ordinal()] = Counter.builder("facteur.deliveries").tags("outcome", o.label(), "destination", d)
                        .description("Recipients' outcomes, by destination domain (the top " + DESTINATIONS + ", and other)").register(registry);
            }
            return byOutcome;
        });
    }

    /** A domain that lost its label: its series go, so that the label's series stay bounded. */
    private void forget(String destination) {
        if (destination.equals(TopLabels.OTHER)) return; // a domain called "other" shares the series of all others
        Counter[] gone = deliveries.remove(destination);
        if (gone != null) for (Counter c : gone) registry.remove(c);
    }

    static Duration[] seconds(double... s) {
        Duration[] out = new Duration[s.length];
        for (int i = 0; i < s.length; i++) out[i] = Duration.ofNanos(Math.round(s[i] * 1e9));
        return out;
    }
}
