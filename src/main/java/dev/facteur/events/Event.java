package dev.facteur.events;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * What happened to one message for one recipient, for the application that sent it: written as one
 * JSON object per line in the event log and posted to the webhook (field names in
 * {@code docs/events.md}). Immutable; build one with {@link #of} and the {@code with} methods.
 *
 * @param id             unique (a UUID version 7), for receivers to de-duplicate: the webhook
 *                       delivers at least once
 * @param type           what happened
 * @param time           when, to the millisecond (finer parts are dropped, so that an event read
 *                       back from its JSON equals the one written)
 * @param queueId        the message's queue id; absent when it never entered the queue (refused
 *                       because the recipient is suppressed)
 * @param sender         the envelope sender (MAIL FROM), {@code ""} for the null sender {@code <>}
 * @param senderDomain   the sender's domain, lower case: by default the envelope sender's, which an
 *                       application sending for several domains groups its events by
 * @param recipient      the envelope recipient (RCPT TO)
 * @param attempt        which delivery attempt this was, from 1; absent for events that are not
 *                       about an attempt (suppressed, complained)
 * @param diagnostic     the remote server's reply ({@code 550 5.1.1 <bob@example.org>: no such
 *                       user}), or Facteur's own account when there was none (connection refused)
 * @param enhancedStatus the RFC 3463 status, {@code 5.1.1}
 * @param remoteMta      the server that answered, e.g. {@code mx1.example.org[192.0.2.25]:25}
 * @param bounceClass    a classification of the failure (e.g. {@code bad-mailbox}), when one was made
 * @param details        anything else, by name, sorted by name
 */
public record Event(String id, EventType type, Instant time, Optional<String> queueId, String sender,
                    Optional<String> senderDomain, String recipient, OptionalInt attempt, Optional<String> diagnostic,
                    Optional<String> enhancedStatus, Optional<String> remoteMta, Optional<String> bounceClass,
                    Map<String, String> details) {

    private static final Pattern ENHANCED_STATUS = Pattern.compile("[245]\\.\\d{1,3}\\.\\d{1,3}"); // RFC 3463 §2

    public Event {
        if (id == null || id.isBlank()) throw new IllegalArgumentException("an event needs an id");
        Objects.requireNonNull(type, "type");
        time = Objects.requireNonNull(time, "time").truncatedTo(ChronoUnit.MILLIS);
        Objects.requireNonNull(queueId, "queueId");
        Objects.requireNonNull(sender, "sender (\"\" for the null sender)");
        Objects.requireNonNull(senderDomain, "senderDomain");
        Objects.requireNonNull(recipient, "recipient");
        Objects.requireNonNull(attempt, "attempt");
        Objects.requireNonNull(diagnostic, "diagnostic");
        Objects.requireNonNull(enhancedStatus, "enhancedStatus");
        Objects.requireNonNull(remoteMta, "remoteMta");
        Objects.requireNonNull(bounceClass, "bounceClass");
        if (attempt.isPresent() && attempt.getAsInt() < 1) throw new IllegalArgumentException("attempts count from 1: " + attempt);
        if (enhancedStatus.isPresent() && !ENHANCED_STATUS.matcher(enhancedStatus.get()).matches())
            throw new IllegalArgumentException("not an enhanced status code (RFC 3463): " + enhancedStatus.get());
        details = sorted(details);
    }

    /**
     * A new event with a new id: {@code type} happened at {@code time} to the message from
     * {@code sender} ({@code ""} for {@code <>}) for {@code recipient}; the sender's domain is taken
     * from the sender.
     */
    public static Event of(EventType type, Instant time, String sender, String recipient) {
        return new Event(EventId.next(time), type, time, Optional.empty(), sender, domainOf(sender), recipient,
                OptionalInt.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Map.of());
    }

    public Event withQueueId(String id) {
        return new Event(this.id, type, time, present(id), sender, senderDomain, recipient, attempt, diagnostic,
                enhancedStatus, remoteMta, bounceClass, details);
    }

    /** The domain applications group their events by, when it is not the envelope sender's (VERP, SRS). */
    public Event withSenderDomain(String domain) {
        return new Event(id, type, time, queueId, sender, present(domain).map(d -> d.toLowerCase(Locale.ROOT)), recipient,
                attempt, diagnostic, enhancedStatus, remoteMta, bounceClass, details);
    }

    public Event withAttempt(int number) {
        return new Event(id, type, time, queueId, sender, senderDomain, recipient, OptionalInt.of(number), diagnostic,
                enhancedStatus, remoteMta, bounceClass, details);
    }

    /**
     * The reply that decided the outcome, or our own account of it, and its RFC 3463 status
     * ({@code null} or empty when there is none).
     */
    public Event withDiagnostic(String text, String status) {
        return new Event(id, type, time, queueId, sender, senderDomain, recipient, attempt, present(text),
                present(status), remoteMta, bounceClass, details);
    }

    public Event withRemoteMta(String mta) {
        return new Event(id, type, time, queueId, sender, senderDomain, recipient, attempt, diagnostic, enhancedStatus,
                present(mta), bounceClass, details);
    }

    public Event withBounceClass(String bounce) {
        return new Event(id, type, time, queueId, sender, senderDomain, recipient, attempt, diagnostic, enhancedStatus,
                remoteMta, present(bounce), details);
    }

    /** This event with {@code name} set to {@code value} in its details. */
    public Event withDetail(String name, String value) {
        var more = new TreeMap<>(details);
        more.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
        return new Event(id, type, time, queueId, sender, senderDomain, recipient, attempt, diagnostic, enhancedStatus,
                remoteMta, bounceClass, more);
    }

    /** {@code app@Example.COM} → {@code example.com}; nothing for the null sender or a sender without a domain. */
    static Optional<String> domainOf(String sender) {
        int at = sender.lastIndexOf('@');
        if (at <= 0 || at == sender.length() - 1) return Optional.empty();
        return Optional.of(sender.substring(at + 1).toLowerCase(Locale.ROOT));
    }

    private static Optional<String> present(String s) {
        return s == null || s.isEmpty() ? Optional.empty() : Optional.of(s);
    }

    /** Sorted by name, so that the JSON of equal events is the same bytes; unmodifiable. */
    private static Map<String, String> sorted(Map<String, String> details) {
        Objects.requireNonNull(details, "details");
        var copy = new TreeMap<String, String>();
        details.forEach((k, v) -> copy.put(Objects.requireNonNull(k, "a detail's name"), Objects.requireNonNull(v, "detail " + k)));
        return Collections.unmodifiableSortedMap(copy);
    }
}
