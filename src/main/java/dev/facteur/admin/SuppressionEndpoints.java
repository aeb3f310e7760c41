package dev.facteur.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.facteur.bounce.SenderRates;
import dev.facteur.bounce.Suppressions;
import dev.facteur.message.AddressSyntax;
import dev.facteur.message.Mailbox;
import dev.facteur.store.StoreUnavailable;
import dev.facteur.store.SuppressionStore;
import dev.facteur.store.SuppressionStore.Entry;
import dev.facteur.store.SuppressionStore.Page;
import dev.facteur.store.SuppressionStore.Reason;
import java.io.IOException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The suppression list for operators, under {@code /suppression/}:
 * <ul>
 * <li>{@code GET list?scope=SCOPE&after=CURSOR&limit=N}: a page of entries (all scopes unless
 *     one is named; 100 unless a limit up to 1000 is), and {@code next}, the cursor of the
 *     following page, absent at the end;
 * <li>{@code GET show?address=ADDRESS}: the address's entries in every scope (404 when none);
 * <li>{@code POST add?address=ADDRESS&scope=SCOPE&reason=REASON&for=DURATION&note=TEXT}: an entry,
 *     replacing what the scope held ({@code scope} {@code *} unless named, {@code reason}
 *     {@code manual} unless named, {@code for} an ISO-8601 duration such as {@code P30D}, never
 *     unless given);
 * <li>{@code POST remove?address=ADDRESS&scope=SCOPE}: takes the address off the list, in one scope
 *     or, without one, in every scope (404 when it was on none);
 * <li>{@code GET rates?domain=DOMAIN&domain=...}: per sender domain (those this node has seen
 *     unless named), the mail receivers took, the hard bounces and the complaints over the last
 *     day and week, and their rates: {@code {"senders": [{"domain", "windows": [{"window": "1d",
 *     "sent", "hard_bounces", "complaints", "hard_bounce_rate", "complaint_rate"}]}]}}.
 * </ul>
 * Each answer is {@code {"ok": ..., "message": ...}} with the entries as objects
 * {@code {"scope", "address", "reason", "diagnostic", "created", "expires"}} (times in ISO-8601,
 * {@code expires} null for never). A store that cannot answer is 503.
 */
final class SuppressionEndpoints implements HttpHandler {

    static final int DEFAULT_PAGE = 100;
    private static final JsonMapper JSON = new JsonMapper();

    private final Suppressions suppressions;
    private final SenderRates rates;

    /** {@code suppressions}: null when the server keeps no list (every request says so); {@code rates} null: none counted. */
    SuppressionEndpoints(Suppressions suppressions, SenderRates rates) {
        this.suppressions = suppressions;
        this.rates = rates;
    }

    /** A request the API refuses: 400 and why. */
    private static final class Refused extends Exception {
        Refused(String message) {
            super(message, null, false, false);
        }
    }

    @Override
    public void handle(HttpExchange ex) throws IOException {
        String verb = ex.getRequestURI().getPath().substring("/suppression/".length());
        String method = switch (verb) {
            case "list", "show", "rates" -> "GET";
            case "add", "remove" -> "POST";
            default -> null;
        };
        if (method == null) {
            AdminServer.reply(ex, 404, false, "unknown command " + verb + " (list, show, add, remove, rates)");
            return;
        }
        if (!ex.getRequestMethod().equals(method)) {
            AdminServer.reply(ex, 405, false, "use " + method);
            return;
        }
        if (suppressions == null) {
            AdminServer.reply(ex, 404, false, "this server keeps no suppression list");
            return;
        }
        Map<String, String> q = AdminServer.query(ex.getRequestURI().getRawQuery());
        try {
            switch (verb) {
                case "list" -> list(ex, q);
                case "show" -> show(ex, q);
                case "add" -> add(ex, q);
                case "rates" -> rates(ex);
                default -> remove(ex, q);
            }
        } catch (Refused | IllegalArgumentException e) {
            AdminServer.reply(ex, 400, false, e.getMessage());
        } catch (StoreUnavailable e) {
            AdminServer.reply(ex, 503, false, "the suppression list cannot answer now: " + e.getMessage());
        }
    }

    private void list(HttpExchange ex, Map<String, String> q) throws IOException, Refused {
        Optional<String> scope = Optional.ofNullable(q.get("scope")).map(SuppressionEndpoints::scope);
        int limit;
        try {
            limit = Integer.parseInt(q.getOrDefault("limit", Integer.toString(DEFAULT_PAGE)));
        } catch (NumberFormatException e) {
            throw new Refused("limit: not a number");
        }
        if (limit < 1 || limit > SuppressionStore.MAX_PAGE) throw new Refused("limit: 1 to " + SuppressionStore.MAX_PAGE);
        Page page = suppressions.list(scope, q.getOrDefault("after", ""), limit);
        ObjectNode o = answer(page.entries().size() + " entr" + (page.entries().size() == 1 ? "y" : "ies"), page.entries());
        page.next().ifPresent(next -> o.put("next", next));
        send(ex, 200, o);
    }

    private void show(HttpExchange ex, Map<String, String> q) throws IOException, Refused {
        Mailbox address = address(q);
        List<Entry> entries = suppressions.entries(address);
        if (entries.isEmpty()) {
            AdminServer.reply(ex, 404, false, address + " is not on the suppression list");
            return;
        }
        send(ex, 200, answer(address + ": " + entries.size() + " entr" + (entries.size() == 1 ? "y" : "ies"), entries));
    }

    private void add(HttpExchange ex, Map<String, String> q) throws IOException, Refused {
        Mailbox address = address(q);
        String scope = scope(q.getOrDefault("scope", SuppressionStore.GLOBAL));
        String r = q.getOrDefault("reason", Reason.MANUAL.token());
        Reason reason = Reason.of(r).orElseThrow(() -> new Refused("reason: one of "
                + Arrays.stream(Reason.values()).map(Reason::token).collect(Collectors.joining(", "))));
        Optional<Duration> lifetime = Optional.empty();
        if (q.containsKey("for")) {
            try {
                lifetime = Optional.of(Duration.parse(q.get("for")));
            } catch (DateTimeParseException e) {
                throw new Refused("for: not an ISO-8601 duration such as P30D: " + q.get("for"));
            }
            if (!lifetime.get().isPositive()) throw new Refused("for: must be positive");
        }
        Entry e = suppressions.suppress(scope, address, reason, q.getOrDefault("note", ""), lifetime);
        send(ex, 200, answer(e.address() + " suppressed in " + e.scope() + " (" + e.reason().token() + ", "
                + e.expires().map(t -> "until " + t).orElse("never expires") + ")", List.of(e)));
    }

    private void remove(HttpExchange ex, Map<String, String> q) throws IOException, Refused {
        Mailbox address = address(q);
        List<Entry> removed = q.containsKey("scope") ? suppressions.remove(scope(q.get("scope")), address).stream().toList()
                : suppressions.remove(address);
        if (removed.isEmpty()) {
            AdminServer.reply(ex, 404, false, address + " is not on the suppression list" + (q.containsKey("scope") ? " in " + q.get("scope") : ""));
            return;
        }
        send(ex, 200, answer(address + " removed from " + removed.stream().map(Entry::scope).collect(Collectors.joining(", ")), removed));
    }

    private void rates(HttpExchange ex) throws IOException, Refused {
        if (rates == null) {
            AdminServer.reply(ex, 404, false, "this server counts no sender rates");
            return;
        }
        List<String> domains = new java.util.ArrayList<>();
        String raw = ex.getRequestURI().getRawQuery();
        for (String kv : raw == null ? new String[0] : raw.split("&"))
            if (kv.startsWith("domain=")) domains.add(java.net.URLDecoder.decode(kv.substring(7), java.nio.charset.StandardCharsets.UTF_8));
        for (String d : domains)
            if (!dev.facteur.message.AddressSyntax.isDomain(d, true)) throw new Refused("domain: not a domain: " + d);
        if (domains.isEmpty()) domains.addAll(rates.domains());
        ObjectNode o = JSON.createObjectNode().put("ok", true).put("message", domains.size() + " sender domain" + (domains.size() == 1 ? "" : "s"));
        ArrayNode senders = o.putArray("senders");
        for (String d : domains) {
            SenderRates.Rates r = rates.of(d);
            ObjectNode s = senders.addObject().put("domain", r.senderDomain());
            ArrayNode windows = s.putArray("windows");
            for (SenderRates.Window w : r.windows())
                windows.addObject().put("window", w.length().toDays() + "d").put("sent", w.sent()).put("hard_bounces", w.hardBounces())
                        .put("complaints", w.complaints()).put("hard_bounce_rate", w.hardBounceRate()).put("complaint_rate", w.complaintRate());
        }
        send(ex, 200, o);
    }

    private static Mailbox address(Map<String, String> q) throws Refused {
        String a = q.getOrDefault("address", "");
        return AddressSyntax.tryParseMailbox(a, true).filter(Mailbox::hasDomain)
                .orElseThrow(() -> new Refused("address: not an address: " + a));
    }

    /** {@code s} lowercased; IllegalArgumentException (400) when it is no scope. */
    private static String scope(String s) {
        return SuppressionStore.validScope(s);
    }

    private static ObjectNode answer(String message, List<Entry> entries) {
        ObjectNode o = JSON.createObjectNode().put("ok", true).put("message", message);
        ArrayNode list = o.putArray("entries");
        for (Entry e : entries) list.add(json(e));
        return o;
    }

    static ObjectNode json(Entry e) {
        ObjectNode o = JSON.createObjectNode().put("scope", e.scope()).put("address", e.address().toString())
                .put("reason", e.reason().token()).put("diagnostic", e.diagnostic()).put("created", e.created().toString());
        if (e.expires().isPresent()) o.put("expires", e.expires().get().toString());
        else o.putNull("expires");
        return o;
    }

    private static void send(HttpExchange ex, int status, ObjectNode o) throws IOException {
        byte[] body = JSON.writeValueAsBytes(o);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, body.length);
        try (var out = ex.getResponseBody()) {
            out.write(body);
        }
    }
}
