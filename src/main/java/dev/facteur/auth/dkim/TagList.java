package dev.facteur.auth.dkim;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A tag=value list (RFC 6376 §3.2), as DKIM signatures, DKIM key records and the ARC header
 * fields (RFC 8617 §4.1) write them: tags separated by semicolons, white space and folding allowed
 * around names, equals signs and values, a final semicolon optional. Names are case-sensitive and
 * may appear once; values may be empty. Values keep their inner white space (folding included)
 * and lose what surrounds them; {@link #compact} removes the rest where a tag's syntax says
 * white space means nothing (base64, colon-separated lists).
 */
public record TagList(Map<String, String> tags) {

    public TagList {
        tags = Collections.unmodifiableMap(new LinkedHashMap<>(tags));
    }

    /** Parses {@code text} (a field's value or a TXT record), or says what is wrong with it. */
    public static TagList parse(String text) throws PermFail {
        Map<String, String> tags = new LinkedHashMap<>();
        List<String> specs = split(text);
        for (int n = 0; n < specs.size(); n++) {
            String spec = specs.get(n);
            if (isWhiteSpace(spec)) {
                if (n == specs.size() - 1 && n > 0) break; // the optional final semicolon, perhaps followed by white space
                throw new PermFail("tag list syntax error: empty tag" + (n == 0 ? " at the start" : " after \"" + specs.get(n - 1).strip() + "\""));
            }
            int eq = spec.indexOf('=');
            if (eq < 0) throw new PermFail("tag list syntax error: \"" + spec.strip() + "\" has no \"=\"");
            String name = strip(spec.substring(0, eq));
            if (!isTagName(name)) throw new PermFail("tag list syntax error: \"" + name + "\" is no tag name");
            String value = strip(spec.substring(eq + 1));
            checkValue(name, value);
            if (tags.putIfAbsent(name, value) != null) throw new PermFail("tag list syntax error: " + name + "= appears twice");
        }
        return new TagList(tags);
    }

    /** The value of {@code name}, white space around it removed; empty when the tag is absent. */
    public Optional<String> get(String name) {
        return Optional.ofNullable(tags.get(name));
    }

    public boolean has(String name) {
        return tags.containsKey(name);
    }

    /** The names in the order they were written. */
    public List<String> names() {
        return List.copyOf(tags.keySet());
    }

    /** {@code value} without any white space or folding: how base64 values (§3.5 b=, bh=, §3.6.1 p=) and lists are read. */
    public static String compact(String value) {
        StringBuilder out = new StringBuilder(value.length());
        for (int i = 0; i < value.length(); i++) if (!isWhiteSpace(value.charAt(i))) out.append(value.charAt(i));
        return out.toString();
    }

    /** The items of a colon-separated value (h=, q=, s=, t=), each without white space. */
    public static List<String> list(String value) {
        List<String> items = new ArrayList<>();
        for (String item : compact(value).split(":", -1)) items.add(item);
        return items;
    }

    private static List<String> split(String text) {
        List<String> specs = new ArrayList<>();
        int from = 0;
        for (int i = text.indexOf(';'); i >= 0; i = text.indexOf(';', from)) {
            specs.add(text.substring(from, i));
            from = i + 1;
        }
        specs.add(text.substring(from));
        return specs;
    }

    /** §3.2 tag-name: ALPHA *ALNUMPUNC, where ALNUMPUNC is a letter, a digit or "_". */
    private static boolean isTagName(String name) {
        if (name.isEmpty() || !isAlpha(name.charAt(0))) return false;
        for (int i = 1; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!isAlpha(c) && !(c >= '0' && c <= '9') && c != '_') return false;
        }
        return true;
    }

    /**
     * §3.2 tag-value: printable characters but ";", runs of white space only between them. Octets
     * from 0x80 are let through: EAI mail (RFC 8616) writes UTF-8 in some values, and the tags
     * whose syntax forbids it (d=, s=) are checked where they are read.
     */
    private static void checkValue(String name, String value) throws PermFail {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x21 && !isWhiteSpace(c) || c == 0x7F)
                throw new PermFail("tag list syntax error: " + name + "= holds control character 0x" + Integer.toHexString(c));
        }
    }

    private static String strip(String s) {
        int start = 0, end = s.length();
        while (start < end && isWhiteSpace(s.charAt(start))) start++;
        while (end > start && isWhiteSpace(s.charAt(end - 1))) end--;
        return s.substring(start, end);
    }

    /** White space or folding: header fields reach here whole, so CR and LF come only as FWS. */
    private static boolean isWhiteSpace(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
    }

    private static boolean isWhiteSpace(String s) {
        for (int i = 0; i < s.length(); i++) if (!isWhiteSpace(s.charAt(i))) return false;
        return true;
    }

    private static boolean isAlpha(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z';
    }
}
