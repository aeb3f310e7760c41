package dev.facteur.store;

import dev.facteur.message.Mailbox;
import dev.facteur.store.SuppressionStore.Entry;
import dev.facteur.store.SuppressionStore.Reason;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A suppression entry as the stores write it: named fields that a person can read and a later
 * version can add to. The embedded file holds it as a JSON object with a version,
 * <pre>{@code {"v":1,"scope":"example.com","local":"Alice","domain":"example.org","reason":"hard-bounce",
 *  "diagnostic":"550 5.1.1 no such user","created":"2026-12-01T10:00:00Z","expires":"2027-12-01T10:00:00Z"}}</pre>
 * ({@code expires} absent: never); Redis as the fields of a hash, times in ms since the epoch
 * (its scripts compare them), {@code expires} empty for never.
 */
final class SuppressionRecord {

    static final int VERSION = 1;
    private static final JsonMapper JSON = new JsonMapper();

    private SuppressionRecord() {}

    /** Where an entry is found: {@code SCOPE|KEY}. A scope holds no {@code |}, so the first one ends it. */
    static String member(String scope, String key) {
        return scope + "|" + key;
    }

    static String json(Entry e) {
        ObjectNode o = JSON.createObjectNode().put("v", VERSION).put("scope", e.scope()).put("local", e.address().localPart())
                .put("domain", e.address().domain()).put("reason", e.reason().token()).put("diagnostic", e.diagnostic())
                .put("created", e.created().toString());
        e.expires().ifPresent(t -> o.put("expires", t.toString()));
        return JSON.writeValueAsString(o);
    }

    /** The entry {@link #json} wrote; null when {@code text} is no such thing. */
    static Entry fromJson(String text) {
        try {
            JsonNode o = JSON.readTree(text);
            if (o.path("v").asInt(0) != VERSION) return null;
            Optional<Reason> reason = Reason.of(o.path("reason").asString(""));
            JsonNode expires = o.get("expires");
            return new Entry(o.path("scope").asString(""), new Mailbox(o.path("local").asString(""), o.path("domain").asString("")),
                    reason.orElseThrow(), o.path("diagnostic").asString(""), Instant.parse(o.path("created").asString("")),
                    expires == null ? Optional.empty() : Optional.of(Instant.parse(expires.asString(""))));
        } catch (JacksonException | DateTimeParseException | IllegalArgumentException | NoSuchElementException e) {
            return null;
        }
    }

    /** The hash's fields and values, in pairs. */
    static List<String> fields(Entry e) {
        return List.of("scope", e.scope(), "local", e.address().localPart(), "domain", e.address().domain(),
                "reason", e.reason().token(), "diagnostic", e.diagnostic(), "created", Long.toString(e.created().toEpochMilli()),
                "expires", e.expires().map(t -> Long.toString(t.toEpochMilli())).orElse(""));
    }

    /** The entry of a hash's fields and values in pairs, as Redis answers {@code HGETALL}; null when they are none (or not ours). */
    static Entry fromFields(List<?> pairs) {
        if (pairs == null || pairs.isEmpty()) return null;
        Map<String, String> f = new HashMap<>();
        for (int i = 0; i + 1 < pairs.size(); i += 2) f.put(text(pairs.get(i)), text(pairs.get(i + 1)));
        try {
            String expires = f.getOrDefault("expires", "");
            return new Entry(f.getOrDefault("scope", ""), new Mailbox(f.getOrDefault("local", ""), f.getOrDefault("domain", "")),
                    Reason.of(f.getOrDefault("reason", "")).orElseThrow(), f.getOrDefault("diagnostic", ""),
                    Instant.ofEpochMilli(Long.parseLong(f.getOrDefault("created", ""))),
                    expires.isEmpty() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(Long.parseLong(expires))));
        } catch (IllegalArgumentException | NoSuchElementException e) {
            return null;
        }
    }

    static String text(Object reply) {
        return reply instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(reply);
    }
}
