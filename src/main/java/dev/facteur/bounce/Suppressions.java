package dev.facteur.bounce;

import dev.facteur.bounce.SuppressionSettings.Scope;
import dev.facteur.message.Mailbox;
import dev.facteur.store.SuppressionStore;
import dev.facteur.store.SuppressionStore.Entry;
import dev.facteur.store.SuppressionStore.Page;
import dev.facteur.store.SuppressionStore.Reason;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rules of the suppression list: what a bounce, a complaint, an unsubscribe or an operator's
 * command does to it, and whether mail may go to an address.
 * <ul>
 * <li>A hard bounce suppresses the address for {@code hard_bounce_expiry}.
 * <li>A complaint suppresses it for {@code complaint_expiry} (never, unless configured).
 * <li>Soft bounces are counted; the {@code soft_bounce_limit}-th within {@code soft_bounce_window}
 *     suppresses the address for {@code soft_bounce_expiry}, and the count starts again.
 * <li>A policy or size refusal, or a bounce that says nothing, suppresses nothing: the message
 *     was the trouble, not the address, and the next message may well go.
 * <li>An unsubscribe suppresses the address until an operator removes it.
 * <li>An operator's entry replaces whatever was there, and an operator's removal is final.
 * </ul>
 * Entries go in the sender domain's scope, or the global one ({@code scope}). The policy's entry
 * replaces one already there only when it lasts longer: a hard bounce does not shorten a
 * complaint, and of two entries that never expire the first stays (a complaint stays a complaint
 * in the rates). Between nodes this is read then written: two at once may leave the shorter one.
 */
public final class Suppressions {

    /** A diagnostic is kept to this many characters, on one line: a reply is at most 512 octets a line (RFC 5321 §4.5.3.1.5). */
    static final int MAX_DIAGNOSTIC = 500;

    private static final Logger log = LoggerFactory.getLogger("facteur.suppression");

    /** What the rules did with a bounce, complaint or unsubscribe. */
    public sealed interface Decision {
        /** The address is suppressed: {@code entry} holds now (the new one, or a longer one that was there). */
        record Suppressed(Entry entry) implements Decision {}

        /** A soft bounce, counted: {@code softBounces} within the window, fewer than {@code limit}. */
        record Counted(int softBounces, int limit) implements Decision {}

        /** Nothing to suppress: a bounce of {@code bounceClass} is about the message, or says nothing. */
        record NotSuppressed(BounceClass bounceClass) implements Decision {}
    }

    private final SuppressionStore store;
    private final SuppressionSettings settings;
    private final Clock clock;

    public Suppressions(SuppressionStore store, SuppressionSettings settings, Clock clock) {
        this.store = store;
        this.settings = settings;
        this.clock = clock;
    }

    public SuppressionSettings settings() {
        return settings;
    }

    /** Applies the rules to a bounce of mail from {@code senderDomain} to {@code recipient}. */
    public Decision bounced(Mailbox recipient, String senderDomain, BounceClass bounceClass, String diagnostic) {
        String scope = scopeFor(senderDomain);
        return switch (bounceClass) {
            case HARD -> byRule(scope, recipient, Reason.HARD_BOUNCE, diagnostic, settings.hardBounceExpiry());
            case SOFT -> softBounce(scope, recipient, diagnostic);
            case POLICY, TOO_LARGE, UNDETERMINED, NOT_A_FAILURE -> new Decision.NotSuppressed(bounceClass);
        };
    }

    private Decision softBounce(String scope, Mailbox recipient, String diagnostic) {
        Instant now = clock.instant();
        int n = store.softBounce(scope, recipient, now, settings.softBounceWindow());
        if (n < settings.softBounceLimit()) return new Decision.Counted(n, settings.softBounceLimit());
        store.forgetSoftBounces(scope, recipient, now);
        return byRule(scope, recipient, Reason.SOFT_BOUNCES, n + " soft bounces within " + days(settings.softBounceWindow())
                + ", the last: " + diagnostic, settings.softBounceExpiry());
    }

    /** Applies the rules to a complaint (an ARF report, RFC 5965) about mail from {@code senderDomain} to {@code recipient}. */
    public Decision complained(Mailbox recipient, String senderDomain, String diagnostic) {
        return byRule(scopeFor(senderDomain), recipient, Reason.COMPLAINT, diagnostic, settings.complaintExpiry());
    }

    /** Applies the rules to {@code recipient}'s asking {@code senderDomain} to stop. */
    public Decision unsubscribed(Mailbox recipient, String senderDomain, String diagnostic) {
        return byRule(scopeFor(senderDomain), recipient, Reason.UNSUBSCRIBE, diagnostic, Optional.empty());
    }

    /** An entry by the rules: it does not replace one that lasts longer. */
    private Decision byRule(String scope, Mailbox recipient, Reason reason, String diagnostic, Optional<Duration> lifetime) {
        Instant now = clock.instant();
        Entry entry = new Entry(scope, recipient, reason, oneLine(diagnostic), now, lifetime.map(now::plus));
        Optional<Entry> longer = store.get(scope, recipient, now).filter(before -> lastsLonger(before, entry));
        if (longer.isPresent()) return new Decision.Suppressed(longer.get());
        store.put(entry);
        logAdded(entry);
        return new Decision.Suppressed(entry);
    }

    private static boolean lastsLonger(Entry a, Entry b) {
        if (a.expires().isEmpty()) return true; // the first of two that never expire stays
        return b.expires().isPresent() && a.expires().get().isAfter(b.expires().get());
    }

    /** An operator's entry: it replaces whatever {@code scope} held for {@code address}. */
    public Entry suppress(String scope, Mailbox address, Reason reason, String note, Optional<Duration> lifetime) {
        Instant now = clock.instant();
        Entry entry = new Entry(scope, address, reason, oneLine(note), now, lifetime.map(now::plus));
        store.put(entry);
        logAdded(entry);
        return entry;
    }

    /** Takes {@code address} off the list in {@code scope}; the entry that held there. */
    public Optional<Entry> remove(String scope, Mailbox address) {
        Optional<Entry> removed = store.remove(scope, address, clock.instant());
        removed.ifPresent(e -> log.info("suppression removed: to=<{}> scope={} reason={}", e.address(), e.scope(), e.reason().token()));
        return removed;
    }

    /** Takes {@code address} off the list in every scope; the entries that held. */
    public List<Entry> remove(Mailbox address) {
        List<Entry> removed = new ArrayList<>();
        for (Entry e : entries(address)) remove(e.scope(), e.address()).ifPresent(removed::add);
        return removed;
    }

    /** The entry that stops mail from {@code senderDomain} to {@code recipient}; empty: it may go. */
    public Optional<Entry> check(Mailbox recipient, String senderDomain) {
        return store.find(recipient, senderDomain, clock.instant());
    }

    /** {@code address}'s entries in every scope. */
    public List<Entry> entries(Mailbox address) {
        return store.entries(address, clock.instant());
    }

    /** A page of the list ({@link SuppressionStore#list}). */
    public Page list(Optional<String> scope, String after, int limit) {
        return store.list(scope, after, limit, clock.instant());
    }

    /** The entries of {@code scope} by reason. */
    public Map<Reason, Long> count(String scope) {
        return store.count(scope, clock.instant());
    }

    private String scopeFor(String senderDomain) {
        if (senderDomain.equals(SuppressionStore.GLOBAL)) throw new IllegalArgumentException("not a sender domain: *");
        String domain = SuppressionStore.validScope(senderDomain); // checked even when unused: a caller's mistake shows
        return settings.scope() == Scope.GLOBAL ? SuppressionStore.GLOBAL : domain;
    }

    private static void logAdded(Entry e) {
        log.info("suppressed: to=<{}> scope={} reason={} expires={} diagnostic=\"{}\"", e.address(), e.scope(), e.reason().token(),
                e.expires().map(Instant::toString).orElse("never"), e.diagnostic());
    }

    /** {@code text} on one line, at most {@link #MAX_DIAGNOSTIC} characters: it is shown in listings and logs. */
    static String oneLine(String text) {
        String line = text.replaceAll("[\\r\\n\\t]+", " ").strip();
        if (line.length() <= MAX_DIAGNOSTIC) return line;
        int end = Character.isHighSurrogate(line.charAt(MAX_DIAGNOSTIC - 1)) ? MAX_DIAGNOSTIC - 1 : MAX_DIAGNOSTIC;
        return line.substring(0, end);
    }

    private static String days(Duration d) {
        return d.toHours() % 24 == 0 ? d.toDays() + "d" : d.toString();
    }
}
