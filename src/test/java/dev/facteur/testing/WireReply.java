package dev.facteur.testing;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A reply as a client saw it on the wire: the code and its text lines (without the code prefix). */
public record WireReply(int code, List<String> lines) {

    private static final Pattern QUEUED_AS = Pattern.compile("queued as ([0-9A-Z]{13})");

    public WireReply {
        lines = List.copyOf(lines);
    }

    public WireReply(int code, String text) {
        this(code, List.of(text.split("\r?\n", -1)));
    }

    /** The text of every line, joined by newlines. */
    public String text() {
        return String.join("\n", lines);
    }

    /** The queue id from "250 2.0.0 Ok: queued as ID", or null when the reply has none. */
    public String queueId() {
        return queueIdIn(text());
    }

    public static String queueIdIn(String text) {
        Matcher m = QUEUED_AS.matcher(text);
        return m.find() ? m.group(1) : null;
    }

    @Override
    public String toString() {
        return code + " " + String.join(" / ", lines);
    }
}
