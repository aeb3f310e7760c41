package dev.facteur.bounce;

import dev.facteur.dsn.DsnAction;
import dev.facteur.events.Event;
import dev.facteur.events.EventSink;
import dev.facteur.events.EventType;
import dev.facteur.message.AddressSyntax;
import dev.facteur.message.Mailbox;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What delivery learns feeds the suppression list: the outcomes the queue reports, on their way
 * to the event log. A recipient that a server refused for good (5xx) is classified as a bounce
 * report's would be, and the rules of {@link Suppressions} apply (a hard bounce suppresses, a
 * policy refusal does not); a recipient whose message expired after days of temporary failures
 * counts as a soft bounce. The event goes on with its class.
 *
 * <p>Only what a server said counts (the event names a remote MTA), or our DNS's word that the
 * domain takes no mail (X.1.2, null MX X.1.10): a refusal of our own making (a transport map's
 * {@code error:}, a broken relay setting) says nothing about the address. Mail from the null
 * sender (our own DSNs) has no sender domain to scope an entry by, and is left alone.
 */
public final class SuppressionFeed implements EventSink {

    private static final Logger log = LoggerFactory.getLogger("facteur.suppression");

    private final Suppressions suppressions;
    private final EventSink next;

    public SuppressionFeed(Suppressions suppressions, EventSink next) {
        this.suppressions = suppressions;
        this.next = next;
    }

    @Override
    public void emit(Event e) {
        Event out = e;
        try {
            out = learn(e);
        } catch (RuntimeException x) {
            // the store may be down: the event still goes, and the next bounce of the address will count
            log.warn("suppression list not updated for <{}>: {}", e.recipient(), x.toString());
        }
        next.emit(out);
    }

    private Event learn(Event e) {
        Optional<String> senderDomain = e.senderDomain();
        Optional<Mailbox> recipient = AddressSyntax.tryParseMailbox(e.recipient(), true).filter(Mailbox::hasDomain);
        if (senderDomain.isEmpty() || recipient.isEmpty() || e.attempt().isEmpty() && !e.type().equals(EventType.EXPIRED)) return e;
        if (e.type().equals(EventType.BOUNCED)) {
            String diagnostic = e.diagnostic().orElse("");
            String status = e.enhancedStatus().orElse("");
            if (e.remoteMta().isEmpty() && !status.equals("5.1.2") && !status.equals("5.1.10")) return e;
            BounceClass cls = BounceClassifier.classify(DsnAction.FAILED, StatusCode.parse(status), BounceProcessor.replyCode(diagnostic),
                    diagnostic);
            suppressions.bounced(recipient.get(), senderDomain.get(), cls, diagnostic);
            return e.withBounceClass(BounceProcessor.token(cls));
        }
        if (e.type().equals(EventType.EXPIRED)) {
            suppressions.bounced(recipient.get(), senderDomain.get(), BounceClass.SOFT, e.diagnostic().orElse("expired in the queue"));
            return e.withBounceClass(BounceProcessor.token(BounceClass.SOFT));
        }
        return e;
    }
}
