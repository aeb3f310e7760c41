package dev.facteur.bounce;

import dev.facteur.dsn.DsnAction;
import dev.facteur.events.Event;
import dev.facteur.events.EventSink;
import dev.facteur.events.EventType;
import dev.facteur.message.AddressSyntax;
import dev.facteur.message.Mailbox;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the mail that comes to the bounce domain and acts on it: a bounce to a VERP address, or a
 * complaint from a feedback loop, goes to the suppression list's rules ({@link Suppressions}) and
 * to the application as a {@code bounced} or {@code complained} event. Nothing else is kept:
 * auto-replies and mail that is no report are logged and dropped.
 *
 * <p>Whom a report is about is what the VERP address it came to says, since only we can make
 * one (an HMAC; routing refused forged ones at RCPT): a receiver's DSN may name the address its
 * own way (forwarded, rewritten), or name none. A bounce that came to any other address proves
 * nothing and suppresses nothing. A complaint is believed from the VERP address it came to, else
 * from the reported message's VERP {@code Return-Path}, else from its {@code Original-Rcpt-To} or
 * {@code To}: feedback loops send to the address the sender registered (a report address of the
 * bounce domain), and many redact the rest.
 *
 * <p>The suppression list's scope needs the domain of the sender of the mail that bounced, which
 * a VERP address does not name: it is read from the returned header's {@code Feedback-ID}
 * (written by us), else its {@code From}, else it is the domain the bounce domain belongs to
 * ({@code example.com} for {@code bounces.example.com}).
 */
public final class BounceProcessor {

    private static final Logger log = LoggerFactory.getLogger("facteur.bounce");

    /** What a report came to, and what was done with it. */
    public sealed interface Handled {
        /** A bounce: {@code decision} is the suppression list's, empty when the list is off. */
        record Bounced(Mailbox recipient, String senderDomain, BounceClass bounceClass, String diagnostic,
                Optional<Suppressions.Decision> decision) implements Handled {}

        /** A complaint (or an unsubscribe request in its place, {@code feedbackType} opt-out). */
        record Complained(Mailbox recipient, String senderDomain, String feedbackType, Optional<Suppressions.Decision> decision)
                implements Handled {}

        /** Nothing to act on, for this reason. */
        record Ignored(String why) implements Handled {}
    }

    private final Verp verp;
    private final Suppressions suppressions; // null: the list is off
    private final EventSink events;
    private final String bounceDomain;
    private final Clock clock;

    /** @param suppressions the list's rules, or null when the list is off (events only) */
    public BounceProcessor(Verp verp, Suppressions suppressions, EventSink events, String bounceDomain, Clock clock) {
        this.verp = verp;
        this.suppressions = suppressions;
        this.events = events;
        this.bounceDomain = bounceDomain.toLowerCase(Locale.ROOT);
        this.clock = clock;
    }

    /**
     * Acts on {@code message}, which came to {@code to} (at the bounce domain). Never throws for
     * what the message holds; a store that cannot be reached throws
     * {@link dev.facteur.store.StoreUnavailable}, and the report should be read again later.
     */
    public Handled process(Mailbox to, byte[] message) {
        Optional<Mailbox> verpRecipient = switch (verp.decode(to)) {
            case VerpDecoded.Recipient r -> Optional.of(r.recipient());
            default -> Optional.empty();
        };
        Handled h = switch (ReportParser.parse(message)) {
            case Report.Bounce b when verpRecipient.isEmpty() -> new Handled.Ignored("a bounce to <" + to + ">, not to a VERP address: it proves nothing");
            case Report.Bounce b -> bounced(verpRecipient.get(), b);
            case Report.Complaint c -> complained(verpRecipient, c);
            case Report.AutoReply a -> new Handled.Ignored("an automatic reply (" + a.evidence() + ")");
            case Report.NotAReport n -> new Handled.Ignored("not a report: " + n.reason());
        };
        switch (h) {
            case Handled.Bounced b -> log.info("bounce: to=<{}> sender-domain={} class={} decision={} diagnostic=\"{}\"", b.recipient(),
                    b.senderDomain(), token(b.bounceClass()), b.decision().map(BounceProcessor::describe).orElse("none (the list is off)"),
                    Suppressions.oneLine(b.diagnostic()));
            case Handled.Complained c -> log.info("complaint: to=<{}> sender-domain={} type={} decision={}", c.recipient(), c.senderDomain(),
                    c.feedbackType(), c.decision().map(BounceProcessor::describe).orElse("none (the list is off)"));
            case Handled.Ignored i -> log.info("report to <{}> dropped: {}", to, i.why());
        }
        return h;
    }

    private Handled bounced(Mailbox recipient, Report.Bounce b) {
        String key = TextAddresses.key(recipient.toString());
        Optional<BouncedRecipient> about = b.recipients().stream().filter(r -> TextAddresses.key(r.address()).equals(key)).findFirst()
                .or(() -> b.recipients().size() == 1 ? Optional.of(b.recipients().getFirst()) : Optional.empty());
        if (about.isPresent() && about.get().action() != DsnAction.FAILED)
            return new Handled.Ignored("a report of Action: " + about.get().action().name().toLowerCase(Locale.ROOT) + " for <" + recipient + ">");
        BounceClass cls = about.map(BouncedRecipient::bounceClass).orElse(BounceClass.UNDETERMINED);
        String diagnostic = about.map(BouncedRecipient::diagnostic).filter(d -> !d.isBlank())
                .orElse(about.isPresent() ? "the bounce gives no reason" : "the bounce names no recipient of ours");
        String senderDomain = senderDomain(b.returned());
        Optional<Suppressions.Decision> decision = Optional.ofNullable(suppressions)
                .map(s -> s.bounced(recipient, senderDomain, cls, diagnostic));
        Event e = Event.of(EventType.BOUNCED, clock.instant(), "", recipient.toString()).withSenderDomain(senderDomain)
                .withDiagnostic(Suppressions.oneLine(diagnostic), about.flatMap(BouncedRecipient::status).map(Object::toString).orElse(null))
                .withRemoteMta(about.flatMap(BouncedRecipient::remoteMta).or(b::reportingMta).orElse(null))
                .withBounceClass(token(cls)).withDetail("report", b.standard() ? "dsn" : "text");
        events.emit(withMessageId(suppressed(e, decision), b.returned()));
        return new Handled.Bounced(recipient, senderDomain, cls, diagnostic, decision);
    }

    private Handled complained(Optional<Mailbox> verpRecipient, Report.Complaint c) {
        String type = c.feedback().feedbackType();
        if (type.equals("not-spam") || type.equals("auth-failure"))
            return new Handled.Ignored("a feedback report of type " + type + ": no complaint about a recipient");
        Optional<Mailbox> recipient = verpRecipient.or(() -> c.original().returnPath().flatMap(this::verpIn))
                .or(() -> c.feedback().originalRcptTo().stream().flatMap(a -> mailbox(a).stream()).findFirst())
                .or(() -> c.original().to().flatMap(this::firstAddress));
        if (recipient.isEmpty()) return new Handled.Ignored("a complaint that names no recipient (redacted)");
        String senderDomain = senderDomain(c.original());
        String diagnostic = "complaint (feedback type " + (type.isEmpty() ? "none given" : type) + ")"
                + c.feedback().reportingMta().map(m -> " from " + m).orElse("");
        Optional<Suppressions.Decision> decision = Optional.ofNullable(suppressions).map(s -> type.equals("opt-out")
                ? s.unsubscribed(recipient.get(), senderDomain, diagnostic)
                : s.complained(recipient.get(), senderDomain, diagnostic));
        Event e = Event.of(EventType.COMPLAINED, clock.instant(), "", recipient.get().toString()).withSenderDomain(senderDomain)
                .withDiagnostic(diagnostic, null).withRemoteMta(c.feedback().reportingMta().orElse(null))
                .withDetail("feedback_type", type.isEmpty() ? "none" : type);
        events.emit(withMessageId(suppressed(e, decision), c.original()));
        return new Handled.Complained(recipient.get(), senderDomain, type, decision);
    }

    /** The recipient a VERP address of ours names, in a header field's value such as {@code <bounce+...@bounces.example.com>}. */
    private Optional<Mailbox> verpIn(String value) {
        return firstAddress(value).flatMap(m -> m.hasDomain() && m.domainKey().equals(bounceDomain)
                && verp.decode(m) instanceof VerpDecoded.Recipient r ? Optional.of(r.recipient()) : Optional.empty());
    }

    private Optional<Mailbox> firstAddress(String value) {
        return TextAddresses.in(value).stream().flatMap(a -> mailbox(a).stream()).findFirst();
    }

    private static Optional<Mailbox> mailbox(String address) {
        String a = address.strip();
        if (a.startsWith("<") && a.endsWith(">")) a = a.substring(1, a.length() - 1);
        int semi = a.indexOf(';'); // rfc822;alice@example.org
        if (semi >= 0 && a.indexOf('@') > semi) a = a.substring(semi + 1).strip();
        return AddressSyntax.tryParseMailbox(a, true).filter(Mailbox::hasDomain);
    }

    /** The domain of the sender whose mail the report is about (see the class comment). */
    String senderDomain(ReturnedMessage original) {
        Optional<String> fromFeedbackId = original.field("Feedback-ID").map(v -> v.strip().split(":", -1)[0].strip())
                .filter(d -> AddressSyntax.isDomain(d, true));
        Optional<String> fromFrom = original.from().flatMap(this::firstAddress).map(Mailbox::domain);
        return fromFeedbackId.or(() -> fromFrom).map(d -> d.toLowerCase(Locale.ROOT)).orElseGet(this::bounceDomainsOwner);
    }

    /** {@code example.com} for {@code bounces.example.com}; a domain of two labels is its own. */
    private String bounceDomainsOwner() {
        int dot = bounceDomain.indexOf('.');
        return dot > 0 && bounceDomain.indexOf('.', dot + 1) > 0 ? bounceDomain.substring(dot + 1) : bounceDomain;
    }

    private static Event suppressed(Event e, Optional<Suppressions.Decision> decision) {
        return switch (decision.orElse(null)) {
            case Suppressions.Decision.Suppressed s -> e.withDetail("suppressed_until", s.entry().expires().map(Object::toString).orElse("never"))
                    .withDetail("suppression_scope", s.entry().scope());
            case Suppressions.Decision.Counted c -> e.withDetail("soft_bounces", c.softBounces() + "/" + c.limit());
            case null, default -> e;
        };
    }

    private static Event withMessageId(Event e, ReturnedMessage original) {
        return original.messageId().map(id -> e.withDetail("message_id", Suppressions.oneLine(id))).orElse(e);
    }

    private static String describe(Suppressions.Decision d) {
        return switch (d) {
            case Suppressions.Decision.Suppressed s -> "suppressed (" + s.entry().reason().token() + ", until "
                    + s.entry().expires().map(Object::toString).orElse("never") + ", scope " + s.entry().scope() + ")";
            case Suppressions.Decision.Counted c -> "soft bounce " + c.softBounces() + " of " + c.limit();
            case Suppressions.Decision.NotSuppressed n -> "not suppressed (" + token(n.bounceClass()) + ")";
        };
    }

    /** The class as events and logs write it: {@code hard}, {@code too-large}. */
    public static String token(BounceClass c) {
        return c.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The reply code of a diagnostic that starts with one ({@code 550 5.1.1 ...}). */
    static OptionalInt replyCode(String diagnostic) {
        if (diagnostic.length() >= 3 && diagnostic.substring(0, 3).chars().allMatch(Character::isDigit)
                && (diagnostic.length() == 3 || diagnostic.charAt(3) == ' ' || diagnostic.charAt(3) == '-'))
            return OptionalInt.of(Integer.parseInt(diagnostic.substring(0, 3)));
        return OptionalInt.empty();
    }

}
