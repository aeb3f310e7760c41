package dev.facteur.events;

import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * An event as one JSON object (no line end in it: Jackson escapes control characters, so a CR or
 * LF in a reply cannot split the log's lines). Every field is written, {@code null} when absent, in
 * one order, so that a developer reading the log sees the same shape every time; non-ASCII text
 * (SMTPUTF8 addresses) is written as UTF-8, not escaped. Reading ignores fields it
 * does not know and keeps types it does not know: a newer Facteur's log must still be readable.
 */
final class EventJson {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    // RFC 3339 in UTC, always to the millisecond: one width, so the times of a log line up and sort as text.
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private EventJson() {}

    /** The event as UTF-8 JSON, without a line end. */
    static byte[] write(Event e) {
        var out = new ByteArrayOutputStream(512);
        // The streaming generator: a tree built and then serialised costs several times more, on the caller's thread.
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringProperty("id", e.id());
            g.writeStringProperty("type", e.type().name());
            g.writeStringProperty("time", TIME.format(e.time()));
            g.writeStringProperty("queue_id", text(e.queueId()));
            g.writeStringProperty("sender", clean(e.sender()));
            g.writeStringProperty("sender_domain", text(e.senderDomain()));
            g.writeStringProperty("recipient", clean(e.recipient()));
            if (e.attempt().isPresent()) g.writeNumberProperty("attempt", e.attempt().getAsInt());
            else g.writeNullProperty("attempt");
            g.writeStringProperty("diagnostic", text(e.diagnostic()));
            g.writeStringProperty("enhanced_status", text(e.enhancedStatus()));
            g.writeStringProperty("remote_mta", text(e.remoteMta()));
            g.writeStringProperty("bounce_class", text(e.bounceClass()));
            g.writeName("details");
            g.writeStartObject();
            for (Map.Entry<String, String> d : e.details().entrySet()) g.writeStringProperty(clean(d.getKey()), clean(d.getValue()));
            g.writeEndObject();
            g.writeEndObject();
        }
        return out.toByteArray();
    }

    /**
     * Reads one line of the log back.
     *
     * @throws IllegalArgumentException when it is not an event: not JSON, or without an id, type,
     *                                  time, sender or recipient
     */
    static Event read(byte[] line) {
        JsonNode o;
        try {
            o = JSON.readTree(line);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage(), e);
        }
        if (o == null || !o.isObject()) throw new IllegalArgumentException("not a JSON object");
        try {
            var details = new TreeMap<String, String>();
            JsonNode d = o.get("details");
            if (d != null && d.isObject()) d.forEachEntry((k, v) -> details.put(k, v.isString() ? v.stringValue() : v.toString()));
            JsonNode attempt = o.get("attempt");
            return new Event(required(o, "id"), new EventType(required(o, "type")), Instant.parse(required(o, "time")),
                    optional(o, "queue_id"), required(o, "sender"), optional(o, "sender_domain"), required(o, "recipient"),
                    attempt != null && attempt.isInt() ? OptionalInt.of(attempt.intValue()) : OptionalInt.empty(),
                    optional(o, "diagnostic"), optional(o, "enhanced_status"), optional(o, "remote_mta"),
                    optional(o, "bounce_class"), Map.copyOf(details));
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("an event whose time is not RFC 3339: " + e.getParsedString(), e);
        }
    }

    private static String required(JsonNode o, String field) {
        JsonNode n = o.get(field);
        if (n == null || !n.isString()) throw new IllegalArgumentException("an event without " + field);
        return n.stringValue();
    }

    private static Optional<String> optional(JsonNode o, String field) {
        JsonNode n = o.get(field);
        return n == null || !n.isString() || n.stringValue().isEmpty() ? Optional.empty() : Optional.of(n.stringValue());
    }

    private static String text(Optional<String> s) {
        return s.map(EventJson::clean).orElse(null);
    }

    /**
     * {@code s} with each unpaired surrogate replaced by U+FFFD: text decoded from the wire with
     * replacement has none, but one that slipped in must cost a character, not the event (UTF-8
     * cannot encode it, and the writer would refuse the whole object).
     */
    static String clean(String s) {
        StringBuilder out = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean paired = Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
            if (paired) {
                if (out != null) out.append(c).append(s.charAt(i + 1));
                i++;
            } else if (Character.isSurrogate(c)) {
                if (out == null) out = new StringBuilder(s.length()).append(s, 0, i);
                out.append('\uFFFD');
            } else if (out != null) {
                out.append(c);
            }
        }
        return out == null ? s : out.toString();
    }
}
