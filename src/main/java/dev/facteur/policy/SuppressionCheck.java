package dev.facteur.policy;

import dev.facteur.bounce.Suppressions;
import dev.facteur.events.Event;
import dev.facteur.events.EventSink;
import dev.facteur.events.EventType;
import dev.facteur.message.Mailbox;
import dev.facteur.message.QueueId;
import dev.facteur.message.ReversePath;
import dev.facteur.smtp.Gate;
import dev.facteur.smtp.Reply;
import dev.facteur.store.SuppressionStore.Entry;
import java.net.InetAddress;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refuses, at RCPT, the recipients on the suppression list of a trusted sender's domain (a client
 * that logged in, the local submission socket, a relay network): the application learns at once,
 * from the reply and a {@code suppressed} event, rather than from a bounce days later, and the
 * receiver never sees mail to an address that bounced or complained. Mail from the Internet is
 * not checked: its senders' lists are not ours.
 *
 * <p>A store that cannot be reached lets the recipient through (and says so in the log): sending
 * stops for nobody because the list is away, and its next bounce will suppress the address again.
 */
public final class SuppressionCheck implements Gate {

    private static final Logger log = LoggerFactory.getLogger("facteur.suppression");

    private final Gate inner;
    private final Suppressions suppressions;
    private final EventSink events;
    private final Predicate<InetAddress> relayNetworks;
    private final Clock clock;

    public SuppressionCheck(Gate inner, Suppressions suppressions, EventSink events, Predicate<InetAddress> relayNetworks, Clock clock) {
        this.inner = inner;
        this.suppressions = suppressions;
        this.events = events;
        this.relayNetworks = relayNetworks;
        this.clock = clock;
    }

    @Override
    public Session open(InetAddress client) {
        return new Checking(inner.open(client), relayNetworks.test(client));
    }

    /** The refusal for {@code recipient}, suppressed by {@code entry}. */
    static Reply refusal(Mailbox recipient, Entry entry) {
        String since = LocalDate.ofInstant(entry.created(), ZoneOffset.UTC).toString();
        return new Reply(550, "5.7.1", "<" + recipient + ">: Recipient address suppressed (" + entry.reason().token() + " on " + since
                + (entry.diagnostic().isEmpty() ? "" : ": " + entry.diagnostic()) + ")");
    }

    private final class Checking extends TrustedSession {

        Checking(Session inner, boolean relayClient) {
            super(inner, relayClient);
        }

        @Override
        public Reply rcpt(Mailbox recipient) {
            Reply before = super.rcpt(recipient);
            if (before != null || !trusted() || !recipient.hasDomain()) return before;
            ReversePath sender = sender();
            QueueId id = id();
            Optional<String> senderDomain = sender.mailbox().filter(Mailbox::hasDomain).map(Mailbox::domainKey);
            if (senderDomain.isEmpty()) return null;
            Optional<Entry> entry;
            try {
                entry = suppressions.check(recipient, senderDomain.get());
            } catch (RuntimeException e) {
                log.warn("{}: suppression list not checked for <{}>: {}", id, recipient, e.toString());
                return null;
            }
            if (entry.isEmpty()) return null;
            Entry e = entry.get();
            Reply refusal = refusal(recipient, e);
            log.info("{}: from=<{}> to=<{}> refused: suppressed ({}, scope {})", id, sender.mailbox().get(), recipient, e.reason().token(), e.scope());
            events.emit(Event.of(EventType.SUPPRESSED, clock.instant(), sender.mailbox().get().toString(), recipient.toString())
                    .withDiagnostic(oneLine(refusal), refusal.enhanced()).withDetail("reason", e.reason().token())
                    .withDetail("suppression_scope", e.scope())
                    .withDetail("suppressed_until", e.expires().map(Object::toString).orElse("never")));
            return refusal;
        }
    }

    /** A reply as one line, for an event. */
    private static String oneLine(Reply r) {
        return r.code() + " " + r.enhanced() + " " + String.join(" ", r.lines());
    }
}
