package dev.facteur.routing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The text format shared by the aliases, canonical and transport files, as in Postfix's tables:
 * one entry per line, {@code key value}; an optional colon after the key (aliases(5) style);
 * a line starting with white space continues the one before.
 *
 * <p>Comments: a line whose first non-blank character is {@code #} is a comment, and so is the
 * rest of any line (entry or continuation) from a {@code #} that follows white space:
 *
 * <pre>
 * # the sales team
 * sales@example.test: carol   # only in example.test
 * team: alice,                # a comment here too
 *       bob
 * </pre>
 *
 * A {@code #} not preceded by white space is part of the key or value ({@code error:5.1.1 ticket#1},
 * {@code a#b@example.test}). The rule knows nothing of quotes: {@code "a #b"@example.test} is cut
 * at {@code #}, and the table then refuses the unterminated quote with its file and line.
 */
public final class MapFile {

    /** One entry, with the line it starts on for error messages. */
    public record Entry(String key, String value, int line) {}

    /** A mistake in a map file, told as {@code file:line: message}. */
    public static final class Invalid extends Exception {
        public Invalid(String where, int line, String message) {
            super(where + ":" + line + ": " + message);
        }
    }

    private MapFile() {}

    public static List<Entry> read(Path file) throws IOException, Invalid {
        return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
    }

    public static List<Entry> parse(String text, String where) throws Invalid {
        List<Entry> out = new ArrayList<>();
        String[] lines = text.split("\r?\n", -1);
        StringBuilder current = null;
        int currentLine = 0;
        for (int i = 0; i < lines.length; i++) {
            String raw = withoutComment(lines[i]);
            String stripped = raw.strip();
            if (stripped.isEmpty()) continue;
            if (Character.isWhitespace(raw.charAt(0))) {
                if (current == null) throw new Invalid(where, i + 1, "continuation line without an entry before it");
                current.append(' ').append(stripped);
                continue;
            }
            if (current != null) out.add(entry(current.toString(), where, currentLine));
            current = new StringBuilder(stripped);
            currentLine = i + 1;
        }
        if (current != null) out.add(entry(current.toString(), where, currentLine));
        return out;
    }

    /** The line up to its comment: a {@code #} at its start or after white space. */
    static String withoutComment(String line) {
        for (int i = 0; i < line.length(); i++) {
            if (line.charAt(i) == '#' && (i == 0 || Character.isWhitespace(line.charAt(i - 1)))) return line.substring(0, i);
        }
        return line;
    }

    private static Entry entry(String s, String where, int line) throws Invalid {
        int split = 0;
        while (split < s.length() && !Character.isWhitespace(s.charAt(split)) && s.charAt(split) != ':') split++;
        String key = s.substring(0, split);
        String rest = s.substring(split);
        if (rest.startsWith(":")) rest = rest.substring(1);
        rest = rest.strip();
        if (key.isEmpty()) throw new Invalid(where, line, "missing key");
        if (rest.isEmpty()) throw new Invalid(where, line, "no value for " + key);
        return new Entry(key, rest, line);
    }
}
