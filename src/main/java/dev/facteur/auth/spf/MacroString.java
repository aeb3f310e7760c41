package dev.facteur.auth.spf;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * A {@code macro-string} (§7.1), parsed once with the record so that its syntax errors are found
 * before anything is evaluated (§4.6), and expanded (§7.3) each time a term needs it.
 */
final class MacroString {

    /** The letters a domain-spec may use; an explanation (§6.2) may also use c, r and t (§7.2). */
    private static final String LETTERS = "slodipvh";
    private static final String EXPLANATION_LETTERS = LETTERS + "crt";
    private static final String DELIMITERS = ".-+,/_=";
    /** More right-hand parts than a 253-character name can have: "all of them". */
    private static final int MANY = 1000;

    /** One piece of the string. */
    sealed interface Part {
        /** Text as written. */
        record Literal(String text) implements Part {}

        /** {@code %%}, {@code %_} or {@code %-}: a {@code macro-expand} that needs no values. */
        record Escape(String text) implements Part {}

        /**
         * {@code %{...}}: a letter, kept in its case (upper case asks for URL escaping), how many
         * right-hand parts to keep (0: all), whether to reverse, and where to split.
         */
        record Macro(char letter, int rightParts, boolean reverse, String delimiters) implements Part {}
    }

    private final String text;
    private final List<Part> parts;

    private MacroString(String text, List<Part> parts) {
        this.text = text;
        this.parts = parts;
    }

    /** A macro-string as a {@code domain-spec} or a modifier value has it: visible ASCII, no space. */
    static MacroString parse(String text) throws SyntaxError {
        return parse(text, false);
    }

    /** An {@code explain-string} (§6.2): spaces and the letters c, r and t allowed too. */
    static MacroString parseExplanation(String text) throws SyntaxError {
        return parse(text, true);
    }

    private static MacroString parse(String text, boolean explanation) throws SyntaxError {
        var parts = new ArrayList<Part>();
        var literal = new StringBuilder();
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c != '%') {
                boolean allowed = (c >= 0x21 && c <= 0x7e) || (explanation && c == ' ');
                if (!allowed) throw new SyntaxError("character " + describe(c) + " not allowed in '" + text + "'");
                literal.append(c);
                i++;
                continue;
            }
            if (i + 1 >= text.length()) throw new SyntaxError("'%' at the end of '" + text + "'");
            char next = text.charAt(i + 1);
            Part part = switch (next) {
                case '%' -> new Part.Escape("%");
                case '_' -> new Part.Escape(" ");
                case '-' -> new Part.Escape("%20");
                case '{' -> null;
                default -> throw new SyntaxError("'%" + next + "' is not a macro in '" + text + "'");
            };
            if (!literal.isEmpty()) {
                parts.add(new Part.Literal(literal.toString()));
                literal.setLength(0);
            }
            if (part != null) {
                parts.add(part);
                i += 2;
                continue;
            }
            int close = text.indexOf('}', i + 2);
            if (close < 0) throw new SyntaxError("unclosed macro in '" + text + "'");
            parts.add(macro(text.substring(i + 2, close), explanation, text));
            i = close + 1;
        }
        if (!literal.isEmpty()) parts.add(new Part.Literal(literal.toString()));
        return new MacroString(text, List.copyOf(parts));
    }

    /** The inside of {@code %{...}}: {@code macro-letter transformers *delimiter}. */
    private static Part.Macro macro(String body, boolean explanation, String text) throws SyntaxError {
        if (body.isEmpty()) throw new SyntaxError("empty macro in '" + text + "'");
        char letter = body.charAt(0);
        char lower = Character.toLowerCase(letter);
        if (letter > 0x7f || (explanation ? EXPLANATION_LETTERS : LETTERS).indexOf(lower) < 0)
            throw new SyntaxError("macro letter '" + letter + "' not allowed " + (explanation ? "" : "outside exp text ") + "in '" + text + "'");
        int i = 1;
        int digits = 0;
        boolean counted = false;
        while (i < body.length() && body.charAt(i) >= '0' && body.charAt(i) <= '9') {
            digits = Math.min(MANY, digits * 10 + (body.charAt(i) - '0'));
            counted = true;
            i++;
        }
        // §7.3: "If a DIGIT is specified, the value MUST be nonzero."
        if (counted && digits == 0) throw new SyntaxError("zero parts asked of a macro in '" + text + "'");
        boolean reverse = i < body.length() && (body.charAt(i) == 'r' || body.charAt(i) == 'R');
        if (reverse) i++;
        String delimiters = body.substring(i);
        for (char d : delimiters.toCharArray())
            if (DELIMITERS.indexOf(d) < 0) throw new SyntaxError("'" + d + "' is not a macro delimiter in '" + text + "'");
        return new Part.Macro(letter, digits, reverse, delimiters.isEmpty() ? "." : delimiters);
    }

    private static String describe(char c) {
        return c >= 0x21 && c <= 0x7e ? "'" + c + "'" : String.format("U+%04X", (int) c);
    }

    /** The string as the record wrote it. */
    String text() {
        return text;
    }

    List<Part> parts() {
        return parts;
    }

    /**
     * Whether it meets §7.1's {@code domain-end}: it ends in a macro, or in "." and a
     * {@code toplabel} (not all digits, no leading or trailing hyphen), possibly with a final dot.
     * A domain-spec that breaks this is a syntax error, whatever it would expand to.
     */
    boolean hasDomainEnd() {
        if (parts.isEmpty()) return false;
        if (!(parts.getLast() instanceof Part.Literal(String end))) return true;
        if (end.endsWith(".")) end = end.substring(0, end.length() - 1);
        int dot = end.lastIndexOf('.');
        return dot >= 0 && isToplabel(end.substring(dot + 1));
    }

    /** {@code toplabel = ( *alphanum ALPHA *alphanum ) / ( 1*alphanum "-" *( alphanum / "-" ) alphanum )} */
    static boolean isToplabel(String label) {
        if (label.isEmpty()) return false;
        boolean letter = false, hyphen = false;
        for (char c : label.toCharArray()) {
            if (c == '-') hyphen = true;
            else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) letter = true;
            else if (c < '0' || c > '9') return false;
        }
        if (!hyphen) return letter;
        return label.charAt(0) != '-' && label.charAt(label.length() - 1) != '-';
    }

    /** §7.3: the string with every macro replaced by its value, transformed and, for upper-case letters, URL-escaped. */
    String expand(MacroContext.Values values) {
        var sb = new StringBuilder();
        for (Part p : parts) {
            switch (p) {
                case Part.Literal(String t) -> sb.append(t);
                case Part.Escape(String t) -> sb.append(t);
                case Part.Macro m -> {
                    String value = transform(values.value(Character.toLowerCase(m.letter())), m);
                    sb.append(Character.isUpperCase(m.letter()) ? urlEscape(value) : value);
                }
            }
        }
        return sb.toString();
    }

    /** Split on the delimiters, reverse if asked, keep the right-hand parts asked for, join with dots. */
    private static String transform(String value, Part.Macro m) {
        List<String> pieces = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < value.length(); i++) {
            if (m.delimiters().indexOf(value.charAt(i)) >= 0) {
                pieces.add(value.substring(start, i));
                start = i + 1;
            }
        }
        pieces.add(value.substring(start));
        if (m.reverse()) Collections.reverse(pieces);
        if (m.rightParts() > 0 && m.rightParts() < pieces.size())
            pieces = pieces.subList(pieces.size() - m.rightParts(), pieces.size());
        return String.join(".", pieces);
    }

    /** §7.3: upper-case macros are escaped as URIs are (RFC 3986): all but the unreserved characters. */
    static String urlEscape(String value) {
        var sb = new StringBuilder();
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            boolean unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == '~';
            if (unreserved) sb.append(c);
            else sb.append('%').append(String.format(Locale.ROOT, "%02X", b & 0xff));
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return text;
    }
}
