package dev.facteur.admin;

import dev.facteur.message.Envelope;
import dev.facteur.metrics.QueueState;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which queued messages a request of {@code /api/queue} is about: each field null when not asked.
 *
 * @param state     where the message stands
 * @param domain    a pending recipient's domain, lower case
 * @param sender    the whole reverse-path, lower case ({@code ""} for the null sender {@code <>}),
 *                  or {@code @domain} for any sender of that domain
 * @param olderThan arrived at least this long ago
 * @param newerThan arrived less than this long ago
 */
record QueueFilter(QueueState state, String domain, String sender, Duration olderThan, Duration newerThan) {

    static final QueueFilter ANY = new QueueFilter(null, null, null, null, null);

    /** The parameters this reads. */
    static final Set<String> PARAMETERS = Set.of("state", "domain", "sender", "older_than", "newer_than");

    private static final Pattern AGE = Pattern.compile("(\\d{1,9})([smhd])");

    /** @throws IllegalArgumentException for a value that is not one, naming the parameter */
    static QueueFilter parse(Query q) {
        return new QueueFilter(
                q.get("state").map(QueueFilter::state).orElse(null),
                q.get("domain").map(QueueFilter::domain).orElse(null),
                q.get("sender").map(QueueFilter::sender).orElse(null),
                q.get("older_than").map(v -> age("older_than", v)).orElse(null),
                q.get("newer_than").map(v -> age("newer_than", v)).orElse(null));
    }

    /** True when nothing is asked: every message matches. */
    boolean isEmpty() {
        return equals(ANY);
    }

    /** Whether a message matches, at {@code now} (for the ages). */
    Predicate<Envelope> at(Instant now) {
        return e -> (state == null || state == QueueState.of(e.schedule().held(), e.schedule().attempts()))
                && (domain == null || e.recipients().stream().anyMatch(r -> r.isPending() && r.address().domainKey().equals(domain)))
                && (sender == null || senderMatches(e))
                && (olderThan == null || !e.arrival().isAfter(now.minus(olderThan)))
                && (newerThan == null || e.arrival().isAfter(now.minus(newerThan)));
    }

    private boolean senderMatches(Envelope e) {
        if (e.sender().isNull()) return sender.isEmpty();
        var m = e.sender().mailbox().orElseThrow();
        if (sender.startsWith("@")) return m.domainKey().equals(sender.substring(1));
        return m.toString().toLowerCase(Locale.ROOT).equals(sender);
    }

    private static QueueState state(String v) {
        for (QueueState s : QueueState.values()) if (s.label().equals(v)) return s;
        throw new IllegalArgumentException("state: active, deferred or held, not " + v);
    }

    private static String domain(String v) {
        if (v.contains("@") || v.contains(" ")) throw new IllegalArgumentException("domain: a domain name, not " + v);
        return v.toLowerCase(Locale.ROOT);
    }

    /** An address, {@code @domain}, or {@code <>} for the null sender (bounces, DSNs). */
    private static String sender(String v) {
        if (v.equals("<>")) return "";
        int at = v.lastIndexOf('@');
        if (at < 0 || at == v.length() - 1 || v.contains(" "))
            throw new IllegalArgumentException("sender: an address, @domain, or <> for the null sender, not " + v);
        return v.toLowerCase(Locale.ROOT);
    }

    /** {@code 30s}, {@code 15m}, {@code 2h}, {@code 3d}. */
    static Duration age(String name, String v) {
        Matcher m = AGE.matcher(v);
        if (!m.matches()) throw new IllegalArgumentException(name + ": an age such as 30s, 15m, 2h or 3d, not " + v);
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }
}
