package dev.facteur.auth.dkim;

import java.util.Locale;

/** RFC 6376 §3.4: how header fields and the body are made comparable before they are hashed. */
public enum Canonicalization {
    /** §3.4.1, §3.4.3: as they are, but for empty lines at the end of the body. */
    SIMPLE,
    /** §3.4.2, §3.4.4: names lower case, white space runs made one space, trailing white space gone. */
    RELAXED;

    public static Canonicalization of(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "simple" -> SIMPLE;
            case "relaxed" -> RELAXED;
            default -> throw new IllegalArgumentException("no canonicalization " + name);
        };
    }

    /**
     * A header field as it is hashed, CRLF included: {@code field} is the whole field as it
     * stands in the message (name, colon, value, folding, final CRLF), one char per byte.
     */
    public String header(String field) {
        if (this == SIMPLE) return field.endsWith("\r\n") ? field : field + "\r\n";
        int colon = field.indexOf(':');
        String name = field.substring(0, colon).replaceAll("[ \t]+\\z", "").toLowerCase(Locale.ROOT);
        // \\z rather than $, which also matches before a final line end; and only WSP is white space
        // here (§3.4.2), where String.strip would take a bare CR or a control character too
        String value = field.substring(colon + 1).replaceAll("\r\n(?=[ \t])", "") // unfold
                .replaceAll("\r\n\\z", "").replaceAll("[ \t]+", " ").replaceAll("^ | \\z", "");
        return name + ":" + value + "\r\n";
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
