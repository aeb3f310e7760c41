package dev.facteur.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The meters of one SMTP listener ({@code listener} label): connections, sessions under way, replies
 * by class, and messages accepted or refused. Every meter exists from the start, at zero.
 */
public final class SmtpMetrics {

    private final TlsSessions tls;
    private final Counter connections;
    private final AtomicInteger active = new AtomicInteger();
    /** By reply class: 2xx, 3xx, 4xx, 5xx. */
    private final Counter[] replies = new Counter[4];
    private final Counter accepted;
    private final Counter[] refused = new Counter[RefusalReason.values().length];

    SmtpMetrics(MeterRegistry registry, String listener, TlsSessions tls) {
        this.tls = tls;
        connections = Counter.builder("facteur.smtp.connections").tag("listener", listener)
                .description("Connections accepted by the listener, refused ones (limits, shutting down) included").register(registry);
        Gauge.builder("facteur.smtp.sessions.active", active, AtomicInteger::get).tag("listener", listener).strongReference(true)
                .description("SMTP sessions under way").register(registry);
        for (int i = 0; i < replies.length; i++) {
            replies[i] = Counter.builder("facteur.smtp.replies").tags("listener", listener, "class", (i + 2) + "xx")
                    .description("Replies sent, by class").register(registry);
        }
        accepted = Counter.builder("facteur.messages.accepted").tag("listener", listener)
                .description("Messages taken into the queue (250 at the end of DATA or BDAT LAST)").register(registry);
        for (RefusalReason r : RefusalReason.values()) {
            refused[r.ordinal()] = Counter.builder("facteur.messages.refused").tags("listener", listener, "reason", r.label())
                    .description("Refusals (4xx, 5xx) of MAIL, RCPT, DATA and BDAT, by reason").register(registry);
        }
    }

    /** A client connected (before any limit is applied). */
    public void connected() {
        connections.increment();
    }

    /** A session starts its dialogue; {@link #sessionEnded} follows without fail. */
    public void sessionStarted() {
        active.incrementAndGet();
    }

    public void sessionEnded() {
        active.decrementAndGet();
    }

    /** A reply with {@code code} was sent. */
    public void replied(int code) {
        int i = code / 100 - 2;
        if (i >= 0 && i < replies.length) replies[i].increment();
    }

    /** A message was taken into the queue. */
    public void accepted() {
        accepted.increment();
    }

    /** MAIL, RCPT, DATA or BDAT was refused with this reply ({@link RefusalReason#of}). */
    public void refused(int code, String enhanced, String text) {
        refused[RefusalReason.of(code, enhanced, text).ordinal()].increment();
    }

    /** A TLS handshake with a client succeeded, with this protocol ({@code TLSv1.3}). */
    public void tlsStarted(String protocol) {
        tls.inbound(protocol);
    }
}
