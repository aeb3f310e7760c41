package dev.facteur.message;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
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

    /**
     * Reads a header section from {@code in} (CRLF line ends): up to and including its empty line,
     * leaving the stream at the body, or {@code max} bytes of it when it is longer. Reads byte by
     * byte: give it a buffered stream.
     */
    public static String read(InputStream in, int max) throws IOException {
        var out = new ByteArrayOutputStream(4096);
        int b, previous = -1, lineLength = 0;
        while (out.size() < max && (b = in.read()) >= 0) {
            out.write(b);
            if (b == '\n' && previous == '\r') {
                if (lineLength == 1) break; // the CRLF of the empty line
                lineLength = 0;
            } else {
                lineLength++;
            }
            previous = b;
        }
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    /** The addresses of the {@code From:} fields, in order. */
    public static List<Mailbox> fromAddresses(List<String> fields) {
        List<Mailbox> found = new ArrayList<>();
        for (String field : fields) if (name(field).equals("from")) found.addAll(HeaderAddresses.addresses(value(field)));
        return found;
    }

    /** What follows the field's colon. */
    public static String value(String field) {
        return field.substring(field.indexOf(':') + 1);
    }
}
