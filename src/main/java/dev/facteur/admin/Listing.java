package dev.facteur.admin;

import dev.facteur.spool.Spool;
import dev.facteur.spool.StoredMessage;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A request for one page of the queue ({@code GET /api/queue}): the messages {@code filter}
 * matches after {@code after} (null: from the oldest), at most {@code limit} of them.
 */
record Listing(QueueFilter filter, int limit, Cursor after) {

    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 1000;

    /** The parameters of {@code GET /api/queue}. */
    static final Set<String> PARAMETERS = Stream.concat(QueueFilter.PARAMETERS.stream(), Stream.of("limit", "cursor"))
            .collect(Collectors.toUnmodifiableSet());

    /** One page, and where the next starts (null: this is the last). */
    record Page(List<StoredMessage> messages, Cursor next) {
        Page {
            messages = List.copyOf(messages);
        }
    }

    /** @throws IllegalArgumentException for an unknown parameter or a bad value */
    static Listing parse(Query q) {
        q.only(PARAMETERS);
        int limit = q.get("limit").map(Listing::limit).orElse(DEFAULT_LIMIT);
        return new Listing(QueueFilter.parse(q), limit, q.get("cursor").map(Cursor::parse).orElse(null));
    }

    private static int limit(String v) {
        try {
            int n = Integer.parseInt(v);
            if (n >= 1 && n <= MAX_LIMIT) return n;
        } catch (NumberFormatException e) {
            // said below
        }
        throw new IllegalArgumentException("limit: 1 to " + MAX_LIMIT + ", not " + v);
    }

    /**
     * Walks the spool in queue id order from the cursor, as far as the page needs: one message
     * past the page says whether there is a next (so the last page says so itself, rather than
     * leaving an empty page to fetch). Complete messages, on their way out, are not shown.
     */
    Page read(Spool spool, Instant now) {
        var matches = filter.at(now);
        Predicate<StoredMessage> wanted = m -> !m.envelope().isComplete() && matches.test(m.envelope());
        List<StoredMessage> found;
        try (Stream<StoredMessage> s = spool.messagesAfter(after == null ? null : after.after())) {
            found = s.filter(wanted).limit(limit + 1L).toList();
        }
        if (found.size() <= limit) return new Page(found, null);
        List<StoredMessage> page = found.subList(0, limit);
        return new Page(page, new Cursor(page.getLast().envelope().id()));
    }
}
