package dev.facteur.admin;

import dev.facteur.admin.ApiHandler.Request;
import dev.facteur.admin.ApiHandler.Route;
import dev.facteur.history.HistoryEvent;
import dev.facteur.history.HistoryReader;
import dev.facteur.history.Lookup;
import dev.facteur.history.MessageTrace;
import dev.facteur.history.TraceJson;
import dev.facteur.history.Tracer;
import dev.facteur.message.QueueId;
import dev.facteur.queue.QueueManager.CommandResult;
import dev.facteur.queue.QueueManager;
import dev.facteur.spool.Spool;
import dev.facteur.spool.StoredMessage;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The queue's JSON API (docs/api.md, "The queue API"): listing in pages, a summary, one message
 * with its history and content, the operator's commands on one message or on every message a
 * filter matches, and the delivery history's search. Reads go to the spool, which is what the
 * queue is; commands go through the queue manager, which knows what is being delivered.
 */
final class QueueEndpoints {

    private static final JsonMapper JSON = new JsonMapper();
    /** A message's own trace and the DSNs about it: more than any message has. */
    private static final int TRACES_OF_ONE = 20;
    static final int HISTORY_DEFAULT = 20;
    static final int HISTORY_MAX = 1000;

    private final QueueManager queue;
    private final Spool spool;
    private final HistoryReader history;
    private final boolean historyKept;
    private final Clock clock;
    private final SummaryCache summaries;

    /**
     * @param history     the delivery history's folder, searched by {@code /api/history} as
     *                    {@code facteur trace} does
     * @param historyKept whether {@code [history]} is on: a message's events are shown only then
     */
    QueueEndpoints(QueueManager queue, Spool spool, HistoryReader history, boolean historyKept, Clock clock) {
        this.queue = queue;
        this.spool = spool;
        this.history = history;
        this.historyKept = historyKept;
        this.clock = clock;
        this.summaries = new SummaryCache(this::readSummary, clock);
    }

    /** Fixed paths before the templates they also fit. */
    List<Route> routes() {
        return List.of(
                new Route("GET", "/api/queue", this::list),
                new Route("GET", "/api/queue/summary", this::summary),
                new Route("GET", "/api/queue/export", this::export),
                new Route("GET", "/api/queue/{id}", this::one),
                new Route("GET", "/api/queue/{id}/content", this::content),
                new Route("POST", "/api/queue/{id}/{command}", this::command),
                new Route("POST", "/api/queue/{command}", this::bulk),
                new Route("GET", "/api/history", this::history));
    }

    private Answer list(Request r) {
        Listing.Page page = Listing.parse(r.query()).read(spool, clock.instant());
        ObjectNode o = JSON.createObjectNode();
        ArrayNode ms = o.putArray("messages");
        for (StoredMessage m : page.messages()) ms.add(MessageJson.of(m));
        o.put("next_cursor", page.next() == null ? null : page.next().text());
        return new Answer.Json(200, o);
    }

    private Answer summary(Request r) {
        r.query().only(Set.of());
        return new Answer.Json(200, summaries.get().json());
    }

    /**
     * The whole queue as {@code facteur queue list} prints it ({@code format=text}, the default)
     * or as its {@code --json}: the command asks for this when the server runs, since the index
     * is here in memory and reading the spool again would rebuild it.
     */
    private Answer export(Request r) {
        String format = r.query().only(Set.of("format")).get("format").orElse("text");
        if (!format.equals("text") && !format.equals("json")) throw new IllegalArgumentException("format: text or json, not " + format);
        return new Answer.Written(format.equals("json") ? "application/json" : "text/plain; charset=utf-8", out -> {
            var writer = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), 1 << 16);
            var listing = new QueueListing(writer);
            try (Stream<StoredMessage> all = spool.messagesAfter(null)) {
                Iterable<StoredMessage> messages = all::iterator;
                if (format.equals("json")) listing.json(messages);
                else listing.text(messages);
            }
            writer.flush();
        });
    }

    private QueueSummary readSummary() {
        try (Stream<StoredMessage> all = spool.messagesAfter(null)) {
            return QueueSummary.of(all);
        }
    }

    private Answer one(Request r) throws IOException {
        r.query().only(Set.of());
        QueueId id = id(r);
        Optional<StoredMessage> m = spool.find(id);
        if (m.isEmpty()) return notQueued(id);
        ObjectNode o = MessageJson.of(m.get());
        o.set("history", historyKept ? TraceJson.events(events(id)) : JSON.createArrayNode());
        return new Answer.Json(200, o);
    }

    /** The message's own events, oldest first: the lookup also finds the DSNs about it, which have their own traces. */
    private List<HistoryEvent> events(QueueId id) throws IOException {
        return history.find(new Lookup.ByQueueId(id), null, TRACES_OF_ONE).stream()
                .filter(t -> t.id().equals(id)).findFirst().map(MessageTrace::events).orElse(List.of());
    }

    private Answer content(Request r) throws IOException {
        r.query().only(Set.of());
        QueueId id = id(r);
        if (spool.find(id).isEmpty()) return notQueued(id);
        InputStream in;
        try {
            in = spool.openContent(id);
        } catch (NoSuchFileException e) {
            return notQueued(id); // gone between the two looks
        }
        return new Answer.Stream("message/rfc822", in);
    }

    private Answer command(Request r) {
        r.query().only(Set.of());
        QueueId id = id(r);
        Optional<Command> named = Command.named(r.path("command"));
        if (named.isEmpty()) return unknown(r.path("command"));
        Command c = named.get();
        Optional<StoredMessage> m = spool.find(id);
        if (m.isEmpty() || m.get().envelope().isComplete()) return notQueued(id);
        String refusal = c.refusal(m.get().envelope());
        if (refusal != null) return Answer.refused(409, refusal);
        CommandResult done = c.apply(queue, id);
        summaries.forget();
        if (!done.ok() && spool.find(id).isEmpty()) return notQueued(id); // delivered or deleted meanwhile
        return done.ok() ? Answer.done(done.message()) : Answer.refused(409, done.message());
    }

    /** The parameters of a bulk command: the listing's filters and the two that say it is meant. */
    private static final Set<String> BULK = Stream.concat(QueueFilter.PARAMETERS.stream(), Stream.of("confirm", "all"))
            .collect(Collectors.toUnmodifiableSet());

    /**
     * A command on every message a filter matches. Nothing is done unless {@code confirm=true}
     * says the client saw how many match, and without a filter also {@code all=true}: one
     * forgotten parameter must not empty the queue. A message the command does not apply to
     * (a held one for flush) is passed over; {@code done} counts the others it was done to.
     */
    private Answer bulk(Request r) {
        Optional<Command> named = Command.named(r.path("command"));
        if (named.isEmpty()) return unknown(r.path("command"));
        Command c = named.get();
        Query q = r.query().only(BULK);
        QueueFilter filter = QueueFilter.parse(q);
        boolean confirm = q.flag("confirm");
        boolean all = q.flag("all");
        var matches = filter.at(clock.instant());
        List<StoredMessage> matched;
        try (Stream<StoredMessage> s = spool.messagesAfter(null)) {
            matched = s.filter(m -> !m.envelope().isComplete() && matches.test(m.envelope())).toList();
        }
        int n = matched.size();
        if (filter.isEmpty() && !all)
            return bulkRefused(n, "no filter: all " + n + " messages match; add all=true and confirm=true to " + c.word() + " every message");
        if (!confirm) return bulkRefused(n, n + " message" + (n == 1 ? "" : "s") + " match; add confirm=true");
        int done = 0;
        for (StoredMessage m : matched) {
            if (c.refusal(m.envelope()) == null && c.apply(queue, m.envelope().id()).ok()) done++;
        }
        summaries.forget();
        ObjectNode o = JSON.createObjectNode().put("ok", true).put("matched", n).put("done", done)
                .put("message", c.word() + ": done to " + done + " of " + n + " matching message" + (n == 1 ? "" : "s"));
        return new Answer.Json(200, o);
    }

    private static Answer bulkRefused(int matched, String message) {
        return new Answer.Json(400, JSON.createObjectNode().put("ok", false).put("matched", matched).put("message", message));
    }

    private Answer history(Request r) throws IOException {
        Query q = r.query().only(Set.of("q", "limit"));
        Lookup lookup = Lookup.parse(q.get("q").orElseThrow(() -> new IllegalArgumentException("q: a queue id, a Message-ID or an address")));
        int limit = q.get("limit").map(v -> {
            try {
                int n = Integer.parseInt(v);
                if (n >= 1 && n <= HISTORY_MAX) return n;
            } catch (NumberFormatException e) {
                // said below
            }
            throw new IllegalArgumentException("limit: 1 to " + HISTORY_MAX + ", not " + v);
        }).orElse(HISTORY_DEFAULT);
        List<MessageTrace> traces = new Tracer(history, spool).trace(lookup, null, limit);
        ObjectNode o = JSON.createObjectNode();
        o.set("messages", TraceJson.tree(traces));
        return new Answer.Json(200, o);
    }

    private static QueueId id(Request r) {
        try {
            return QueueId.parse(r.path("id"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a queue id: " + r.path("id"));
        }
    }

    private static Answer unknown(String command) {
        return Answer.refused(404, "unknown command " + command + " (flush, hold, release, delete, bounce)");
    }

    private static Answer notQueued(QueueId id) {
        return Answer.refused(404, id + ": not in the queue");
    }
}
