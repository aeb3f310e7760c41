package dev.facteur.history;

import dev.facteur.message.QueueId;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * An event as one line of the history: a JSON object and a line feed, UTF-8. Every line starts
 * with the same three fields, in this order, so that a reader can pick the queue id without
 * parsing the line, and {@code grep}, {@code sort} and {@code jq} work on the files:
 *
 * <pre>
 * {"t":"2026-12-01T09:14:03.120Z","q":"0MJX4Z9K2B00A","e":"attempt","rcpt":"bob@example.org",...}
 * </pre>
 *
 * {@code t} is UTC to the millisecond, always 24 characters; {@code q} the queue id; {@code e} the
 * event: {@code received}, {@code attempt}, {@code gave_up}, {@code dsn}, {@code removed}. Empty
 * text fields are left out. Field names in {@code docs/history.md}.
 */
final class HistoryLine {

    private HistoryLine() {}

    private static final JsonMapper JSON = new JsonMapper();
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);
    /** Where the queue id starts in every line: after {@code {"t":"<24>","q":"}. */
    static final int QUEUE_ID_AT = 37;
    static final int QUEUE_ID_LENGTH = 13;

    /** The line for {@code e}, line feed included. */
    static byte[] write(HistoryEvent e) {
        var b = new StringBuilder(256);
        b.append("{\"t\":\"").append(TIME.format(e.time())).append("\",\"q\":\"").append(e.queueId()).append("\",\"e\":\"")
                .append(type(e)).append('"');
        switch (e) {
            case HistoryEvent.Received r -> {
                field(b, "message_id", r.messageId());
                b.append(",\"from\":");
                string(b, r.sender());
                list(b, "to", r.recipients());
                b.append(",\"size\":").append(r.size());
                field(b, "client", r.clientAddress());
                field(b, "client_name", r.clientName());
                field(b, "helo", r.helo());
                field(b, "proto", r.protocol());
                field(b, "tls", r.tls());
                field(b, "login", r.login());
            }
            case HistoryEvent.Attempt a -> {
                field(b, "rcpt", a.recipient());
                b.append(",\"attempt\":").append(a.attempt());
                field(b, "result", a.result().word());
                field(b, "relay", a.relay());
                field(b, "tls", a.tls());
                field(b, "reply", a.reply());
            }
            case HistoryEvent.GaveUp g -> {
                field(b, "rcpt", g.recipient());
                field(b, "reason", g.reason());
            }
            case HistoryEvent.Dsn d -> {
                field(b, "dsn", d.dsnId().toString());
                field(b, "action", d.action());
                field(b, "to", d.to());
                list(b, "about", d.about());
            }
            case HistoryEvent.Removed r -> field(b, "reason", r.reason());
        }
        return b.append("}\n").toString().getBytes(StandardCharsets.UTF_8);
    }

    static String type(HistoryEvent e) {
        return switch (e) {
            case HistoryEvent.Received r -> "received";
            case HistoryEvent.Attempt a -> "attempt";
            case HistoryEvent.GaveUp g -> "gave_up";
            case HistoryEvent.Dsn d -> "dsn";
            case HistoryEvent.Removed r -> "removed";
        };
    }

    /**
     * The event of a line (without its line feed), or empty when the line is none: cut short by a
     * crash, damaged, or of an event type this version does not know (a newer Facteur wrote it).
     */
    static Optional<HistoryEvent> read(String line) {
        JsonNode n;
        try {
            n = JSON.readTree(line);
        } catch (JacksonException e) {
            return Optional.empty();
        }
        if (n == null || !n.isObject()) return Optional.empty();
        try {
            Instant t = Instant.parse(n.path("t").asString(""));
            QueueId q = QueueId.parse(n.path("q").asString(""));
            HistoryEvent e = switch (n.path("e").asString("")) {
                case "received" -> new HistoryEvent.Received(t, q, s(n, "message_id"), s(n, "from"), strings(n, "to"),
                        n.path("size").asLong(0), s(n, "client"), s(n, "client_name"), s(n, "helo"), s(n, "proto"), s(n, "tls"),
                        s(n, "login"));
                case "attempt" -> new HistoryEvent.Attempt(t, q, s(n, "rcpt"), n.path("attempt").asInt(0),
                        HistoryEvent.Result.of(s(n, "result")), s(n, "relay"), s(n, "tls"), s(n, "reply"));
                case "gave_up" -> new HistoryEvent.GaveUp(t, q, s(n, "rcpt"), s(n, "reason"));
                case "dsn" -> new HistoryEvent.Dsn(t, q, QueueId.parse(s(n, "dsn")), s(n, "action"), s(n, "to"), strings(n, "about"));
                case "removed" -> new HistoryEvent.Removed(t, q, s(n, "reason"));
                default -> null;
            };
            return Optional.ofNullable(e);
        } catch (DateTimeParseException | IllegalArgumentException e) { // a bad time, queue id or result
            return Optional.empty();
        }
    }

    /** The line as a JSON tree, for output that carries events whole ({@code facteur trace --json}). */
    static JsonNode tree(HistoryEvent e) {
        return JSON.readTree(write(e));
    }

    private static String s(JsonNode n, String name) {
        return n.path(name).asString("");
    }

    private static List<String> strings(JsonNode n, String name) {
        List<String> out = new ArrayList<>();
        for (JsonNode v : n.path(name)) out.add(v.asString(""));
        return out;
    }

    private static void field(StringBuilder b, String name, String value) {
        if (value.isEmpty()) return;
        b.append(",\"").append(name).append("\":");
        string(b, value);
    }

    private static void list(StringBuilder b, String name, List<String> values) {
        b.append(",\"").append(name).append("\":[");
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) b.append(',');
            string(b, values.get(i));
        }
        b.append(']');
    }

    /** RFC 8259 §7: quotes, backslash and control characters escaped; everything else as is, in UTF-8. */
    static void string(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x2028 || c == 0x2029) b.append(String.format("\\u%04x", (int) c));
                    else if (Character.isSurrogate(c) && !validPair(s, i)) b.append("\\ufffd"); // a lone half would not encode
                    else b.append(c);
                }
            }
        }
        b.append('"');
    }

    private static boolean validPair(String s, int i) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)) return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
        return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }

    /** {@code s} as it appears inside a line's JSON string, for searching lines without parsing them. */
    static byte[] escaped(String s) {
        var b = new StringBuilder();
        string(b, s);
        return b.substring(1, b.length() - 1).getBytes(StandardCharsets.UTF_8);
    }
}
