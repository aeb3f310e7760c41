package dev.facteur.inject;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Text with {@code {{name}}} placeholders, filled in for each recipient, as Mustache and
 * Handlebars write them: in HTML {@code {{name}}} is escaped and {@code {{{name}}}} is not; in
 * plain text and header values both insert the value as it is. Spaces inside the braces are
 * allowed ({@code {{ name }}}); {@code \{{} writes literal braces. Anything else that opens with
 * {@code {{} is an error, so a typo is reported rather than mailed.
 */
public final class Template {

    /** A placeholder names at most this many characters. */
    static final int MAX_NAME = 64;

    /** A piece of the template: literal text, or a variable ({@code raw}: three braces). */
    sealed interface Part {
        record Literal(String text) implements Part {}

        record Variable(String name, boolean raw) implements Part {}
    }

    /** Why a template cannot be read; the message names the position. */
    public static final class Invalid extends Exception {
        Invalid(String message) {
            super(message, null, false, false);
        }
    }

    /** How a value goes into the text: as it is, or HTML-escaped unless the placeholder has three braces. */
    public enum Escaping { NONE, HTML }

    private final List<Part> parts;
    private final Set<String> names;

    private Template(List<Part> parts) {
        this.parts = List.copyOf(parts);
        Set<String> n = new LinkedHashSet<>();
        for (Part p : parts) if (p instanceof Part.Variable v) n.add(v.name());
        this.names = Set.copyOf(n);
    }

    public static Template parse(String source) throws Invalid {
        List<Part> parts = new ArrayList<>();
        StringBuilder literal = new StringBuilder();
        int i = 0;
        while (i < source.length()) {
            if (source.startsWith("\\{{", i)) {
                literal.append("{{");
                i += 3;
            } else if (source.startsWith("{{", i)) {
                boolean raw = source.startsWith("{{{", i);
                String close = raw ? "}}}" : "}}";
                int start = i + close.length();
                int end = source.indexOf(close, start);
                int nextOpen = source.indexOf("{{", start);
                if (end < 0 || (nextOpen >= 0 && nextOpen < end))
                    throw new Invalid("at character " + (i + 1) + ": " + (raw ? "{{{" : "{{") + " is not closed by " + close
                            + " (write \\{{ for literal braces)");
                String name = source.substring(start, end).strip();
                if (!isName(name))
                    throw new Invalid("at character " + (i + 1) + ": not a variable name: " + abbreviated(source.substring(i, end + close.length()))
                            + " (letters, digits, _ . - up to " + MAX_NAME + "; write \\{{ for literal braces)");
                if (!literal.isEmpty()) {
                    parts.add(new Part.Literal(literal.toString()));
                    literal.setLength(0);
                }
                parts.add(new Part.Variable(name, raw));
                i = end + close.length();
            } else {
                literal.append(source.charAt(i++));
            }
        }
        if (!literal.isEmpty()) parts.add(new Part.Literal(literal.toString()));
        return new Template(parts);
    }

    /** A variable name: a letter or underscore, then letters, digits, {@code _ . -}. */
    public static boolean isName(String s) {
        if (s.isEmpty() || s.length() > MAX_NAME) return false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
            boolean other = (c >= '0' && c <= '9') || c == '.' || c == '-';
            if (!(letter || (i > 0 && other))) return false;
        }
        return true;
    }

    private static String abbreviated(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }

    /** The names this template uses. */
    public Set<String> names() {
        return names;
    }

    /** The first name {@code values} (a recipient's variables: null for a name without a value) lacks, or null when it has them all. */
    public String missing(Function<String, String> values) {
        for (Part p : parts) if (p instanceof Part.Variable v && values.apply(v.name()) == null) return v.name();
        return null;
    }

    /**
     * How long the filled-in text is, without making it: so that a small request cannot make a
     * huge message (a long value named many times). Every name must have a value.
     */
    public long length(Function<String, String> values, Escaping escaping) {
        long n = 0;
        for (Part p : parts) {
            n += switch (p) {
                case Part.Literal l -> l.text().length();
                case Part.Variable v -> escaping == Escaping.HTML && !v.raw() ? escapedLength(values.apply(v.name()))
                        : values.apply(v.name()).length();
            };
        }
        return n;
    }

    /** The text with each placeholder replaced by its value; every name must have one ({@link #missing}). */
    public String render(Function<String, String> values, Escaping escaping) {
        StringBuilder sb = new StringBuilder();
        for (Part p : parts) {
            switch (p) {
                case Part.Literal l -> sb.append(l.text());
                case Part.Variable v -> {
                    String value = values.apply(v.name());
                    if (value == null) throw new IllegalStateException("no value for " + v.name());
                    if (escaping == Escaping.HTML && !v.raw()) escapeHtml(value, sb);
                    else sb.append(value);
                }
            }
        }
        return sb.toString();
    }

    /** The five characters that are markup in HTML text and attribute values, as character references. */
    static void escapeHtml(String s, StringBuilder out) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
    }

    private static long escapedLength(String s) {
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            n += switch (s.charAt(i)) {
                case '&' -> 5;
                case '<', '>' -> 4;
                case '"' -> 6;
                case '\'' -> 5;
                default -> 1;
            };
        }
        return n;
    }
}
