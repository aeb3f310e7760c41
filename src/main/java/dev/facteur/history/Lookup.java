package dev.facteur.history;

import dev.facteur.message.Envelope;
import dev.facteur.message.QueueId;
import dev.facteur.message.Recipient;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/** What {@code facteur trace} looks for: the messages a queue id, a Message-ID or an address names. */
public sealed interface Lookup {

    /** Among the messages {@code e} belongs to ({@link HistoryEvent#owners}), those this lookup finds through it. */
    Set<QueueId> finds(HistoryEvent e);

    /**
     * Text of which a line must contain one, ASCII letters in either case, to hold an event this
     * lookup finds: lines without are not parsed. ASCII, lower case.
     */
    List<String> needles();

    /** The first day whose file may hold an event this lookup finds, when it is known. */
    default Optional<LocalDate> firstDay() {
        return Optional.empty();
    }

    /** Whether a queued message is one this lookup finds, by its envelope alone. */
    boolean finds(Envelope e);

    /**
     * A queue id (13 characters of Crockford base32), a Message-ID in angle brackets, a domain
     * after {@code @}, or an address — which is also tried as a Message-ID, since many are
     * written without their brackets.
     *
     * @throws IllegalArgumentException when {@code arg} is none of these
     */
    static Lookup parse(String arg) {
        String a = arg.strip();
        if (a.length() == 13 && a.indexOf('@') < 0) {
            try {
                return new ByQueueId(QueueId.parse(a));
            } catch (IllegalArgumentException e) {
                // not a queue id after all
            }
        }
        if (a.length() > 2 && a.startsWith("<") && a.endsWith(">")) return new ByMessageId(a);
        if (a.length() > 1 && a.startsWith("@") && a.indexOf('@', 1) < 0) return new ByAddress(a);
        int at = a.lastIndexOf('@');
        if (at > 0 && at < a.length() - 1) return new Either(List.of(new ByAddress(a), new ByMessageId(a)));
        throw new IllegalArgumentException("not a queue id, a Message-ID or an address: " + arg);
    }

    /** One message, and the DSN messages about it (their DSN event names it), by queue id. */
    record ByQueueId(QueueId id) implements Lookup {
        @Override
        public Set<QueueId> finds(HistoryEvent e) {
            return e.owners().contains(id) ? Set.of(id) : Set.of();
        }

        @Override
        public List<String> needles() {
            return List.of(needle(id.toString()));
        }

        /** A queue id carries its arrival time; a day earlier still, for a clock that was set back. */
        @Override
        public Optional<LocalDate> firstDay() {
            return Optional.of(HistoryFiles.dayOf(id.timestamp()).minusDays(1));
        }

        @Override
        public boolean finds(Envelope e) {
            return e.id().equals(id);
        }
    }

    /**
     * The messages that arrived with this {@code Message-ID} (RFC 5322 §3.6.4); given with or
     * without its angle brackets, compared without them and regardless of case.
     */
    record ByMessageId(String messageId) implements Lookup {
        public ByMessageId {
            messageId = bare(messageId);
            if (messageId.isEmpty()) throw new IllegalArgumentException("an empty Message-ID");
        }

        @Override
        public Set<QueueId> finds(HistoryEvent e) {
            return e instanceof HistoryEvent.Received r && bare(r.messageId()).equalsIgnoreCase(messageId) ? Set.of(r.queueId()) : Set.of();
        }

        @Override
        public List<String> needles() {
            return List.of(needle(messageId));
        }

        /** The spool keeps no Message-ID in envelopes: queued messages are found through their history. */
        @Override
        public boolean finds(Envelope e) {
            return false;
        }

        private static String bare(String id) {
            String s = id.strip();
            if (s.startsWith("<")) s = s.substring(1);
            if (s.endsWith(">")) s = s.substring(0, s.length() - 1);
            return s.strip();
        }
    }

    /**
     * The messages from or to an address, regardless of case; {@code @example.org} for every
     * address of a domain. A DSN message is found through its recipient, the original sender.
     */
    record ByAddress(String address) implements Lookup {
        public ByAddress {
            address = address.strip().toLowerCase(Locale.ROOT);
            if (address.startsWith("<") && address.endsWith(">")) address = address.substring(1, address.length() - 1);
        }

        boolean matches(String a) {
            return address.startsWith("@") ? a.toLowerCase(Locale.ROOT).endsWith(address) : a.equalsIgnoreCase(address);
        }

        @Override
        public Set<QueueId> finds(HistoryEvent e) {
            return switch (e) {
                // the DSN message is to the original sender; the original was found by its own events already
                case HistoryEvent.Dsn d when matches(d.to()) -> d.owners();
                case HistoryEvent.Dsn d -> d.about().stream().anyMatch(this::matches) ? Set.of(d.queueId()) : Set.of();
                default -> e.addresses().stream().anyMatch(this::matches) ? Set.of(e.queueId()) : Set.of();
            };
        }

        @Override
        public List<String> needles() {
            return List.of(needle(address));
        }

        @Override
        public boolean finds(Envelope e) {
            if (e.sender().mailbox().map(m -> matches(m.toString())).orElse(false)) return true;
            for (Recipient r : e.recipients()) if (matches(r.address().toString())) return true;
            return false;
        }
    }

    /** The messages any of several lookups finds. */
    record Either(List<Lookup> lookups) implements Lookup {
        public Either {
            lookups = List.copyOf(lookups);
        }

        @Override
        public Set<QueueId> finds(HistoryEvent e) {
            Set<QueueId> all = new HashSet<>();
            for (Lookup l : lookups) all.addAll(l.finds(e));
            return all;
        }

        @Override
        public List<String> needles() {
            return lookups.stream().flatMap(l -> l.needles().stream()).toList();
        }

        @Override
        public Optional<LocalDate> firstDay() {
            LocalDate first = null;
            for (Lookup l : lookups) {
                Optional<LocalDate> d = l.firstDay();
                if (d.isEmpty()) return Optional.empty();
                if (first == null || d.get().isBefore(first)) first = d.get();
            }
            return Optional.ofNullable(first);
        }

        @Override
        public boolean finds(Envelope e) {
            return lookups.stream().anyMatch(l -> l.finds(e));
        }
    }

    /**
     * What of {@code key} a line that names it must contain: the longest run of ASCII in its JSON
     * form, lower case. Letters beyond ASCII have case forms of other lengths and bytes
     * ({@code É}, {@code é}), which a search that ignores the case of bytes cannot match; the
     * comparison of the parsed event decides.
     */
    static String needle(String key) {
        String json = new String(HistoryLine.escaped(key), StandardCharsets.UTF_8);
        String longest = "";
        int start = 0;
        for (int i = 0; i <= json.length(); i++) {
            if (i < json.length() && json.charAt(i) < 0x80) continue;
            if (i - start > longest.length()) longest = json.substring(start, i);
            start = i + 1;
        }
        return longest.toLowerCase(Locale.ROOT);
    }
}
