package dev.facteur.bounce;

import dev.facteur.events.Event;
import dev.facteur.events.EventSink;
import dev.facteur.events.EventType;
import dev.facteur.store.RateStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The numbers a sender's reputation is judged by, per sender domain: how much of its mail the
 * receivers took, how many of its recipients hard-bounced, and how many complained, over the
 * last day and the last week. Large receivers act when complaints pass about 0.1% to 0.3% of the
 * mail they took, and when hard bounces show a list that is not kept clean (a few percent); an
 * operator sees it here before they do.
 *
 * <p>The counts are read from the events on their way to the event log, so they need no log of
 * their own; they live in the rate store (embedded, or Redis shared by every node). Only mail
 * that left us counts as sent: a delivery that names a remote server. The sender domains listed
 * without asking are those this node has seen since it started.
 */
public final class SenderRates implements EventSink {

    private static final Logger log = LoggerFactory.getLogger("facteur.suppression");

    /** The windows the rates are given over. */
    public static final List<Duration> WINDOWS = List.of(Duration.ofDays(1), Duration.ofDays(7));

    /** What is counted. */
    enum Kind { SENT, HARD_BOUNCES, COMPLAINTS }

    /** A domain's counts over one window, and the rates they make (0 when nothing was sent). */
    public record Window(Duration length, long sent, long hardBounces, long complaints) {
        public double hardBounceRate() {
            return sent == 0 ? 0 : (double) hardBounces / sent;
        }

        public double complaintRate() {
            return sent == 0 ? 0 : (double) complaints / sent;
        }
    }

    /** A sender domain's counts, over each of {@link #WINDOWS}. */
    public record Rates(String senderDomain, List<Window> windows) {
        public Rates {
            windows = List.copyOf(windows);
        }
    }

    private final RateStore store;
    private final EventSink next;
    private final Clock clock;
    private final Set<String> seen = ConcurrentHashMap.newKeySet();

    public SenderRates(RateStore store, EventSink next, Clock clock) {
        this.store = store;
        this.next = next;
        this.clock = clock;
    }

    @Override
    public void emit(Event e) {
        try {
            count(e);
        } catch (RuntimeException x) {
            log.warn("sender rates not counted for {}: {}", e.senderDomain().orElse("?"), x.toString());
        }
        next.emit(e);
    }

    private void count(Event e) {
        if (e.senderDomain().isEmpty()) return;
        Kind kind = null;
        if (e.type().equals(EventType.DELIVERED) && e.remoteMta().isPresent()) kind = Kind.SENT;
        else if (e.type().equals(EventType.BOUNCED) && e.bounceClass().equals(java.util.Optional.of(BounceProcessor.token(BounceClass.HARD))))
            kind = Kind.HARD_BOUNCES;
        else if (e.type().equals(EventType.COMPLAINED)) kind = Kind.COMPLAINTS;
        if (kind == null) return;
        String domain = e.senderDomain().get();
        seen.add(domain);
        Instant now = clock.instant();
        for (Duration w : WINDOWS) store.add(key(domain, kind, w), 1, now, w);
    }

    /** {@code senderDomain}'s counts now. */
    public Rates of(String senderDomain) {
        String domain = senderDomain.toLowerCase(java.util.Locale.ROOT);
        Instant now = clock.instant();
        return new Rates(domain, WINDOWS.stream().map(w -> new Window(w, store.count(key(domain, Kind.SENT, w), now, w),
                store.count(key(domain, Kind.HARD_BOUNCES, w), now, w), store.count(key(domain, Kind.COMPLAINTS, w), now, w))).toList());
    }

    /** The sender domains this node has counted mail of, in order. */
    public Set<String> domains() {
        return new TreeSet<>(seen);
    }

    private static String key(String domain, Kind kind, Duration window) {
        return "sender-rates:" + domain + ":" + kind.name().toLowerCase(java.util.Locale.ROOT) + ":" + window.toDays() + "d";
    }
}
