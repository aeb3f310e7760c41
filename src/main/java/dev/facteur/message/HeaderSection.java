package dev.facteur.message;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A message's header section as text (CRLF line ends, one char per byte): its fields, each whole
 * with its continuation lines and its CRLF, and their names (RFC 5322 §2.2).
 */
public final class HeaderSection {

    private HeaderSection() {}

    /** The fields of {@code section} in order; the empty line that ends a section, if given, is no field. */
    public static List<String> fields(String section) {
        List<String> out = new ArrayList<>();
        for (String f : section.split("(?<=\r\n)(?![ \t])")) if (!f.isEmpty() && !f.equals("\r\n")) out.add(f);
        return out;
    }

    /** A field's name, lower case, without the white space before its colon; "" for a line that is no field. */
    public static String name(String field) {
        int colon = field.indexOf(':');
        return colon < 0 ? "" : field.substring(0, colon).strip().toLowerCase(Locale.ROOT);
    }

    /** What follows the field's colon. */
    public static String value(String field) {
        return field.substring(field.indexOf(':') + 1);
    }
}
