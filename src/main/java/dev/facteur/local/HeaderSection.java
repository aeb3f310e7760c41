package dev.facteur.local;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads header fields from the header section of a message (RFC 5322 §2.1: the lines before the
 * first empty line), unfolding continuation lines (§2.2.3). Only what local delivery needs: the
 * values of one field, read without loading the body.
 */
final class HeaderSection {

    /** Past this a header section is not one a loop could hide in; stop rather than read the body. */
    static final int MAX_BYTES = 1 << 20;

    private HeaderSection() {}

    /** The unfolded values of every field named {@code name} (case-insensitively), in order. */
    static List<String> values(InputStream content, String name) throws IOException {
        var in = new BufferedInputStream(content);
        List<String> values = new ArrayList<>();
        StringBuilder field = null; // the field being read, while it is one we want
        int read = 0;
        for (String line; read < MAX_BYTES && (line = readLine(in)) != null && !line.isEmpty(); ) {
            read += line.length() + 2;
            if (line.charAt(0) == ' ' || line.charAt(0) == '\t') {
                if (field != null) field.append(line);
                continue;
            }
            if (field != null) values.add(field.toString().strip());
            int colon = line.indexOf(':');
            boolean wanted = colon > 0 && line.substring(0, colon).strip().equalsIgnoreCase(name);
            field = wanted ? new StringBuilder(line.substring(colon + 1)) : null;
        }
        if (field != null) values.add(field.toString().strip());
        return values;
    }

    /** One line without its CRLF (or bare LF), as UTF-8 (RFC 6532); null at the end of input. */
    private static String readLine(InputStream in) throws IOException {
        var line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') line.write(b);
        if (b < 0 && line.size() == 0) return null;
        byte[] bytes = line.toByteArray();
        int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
        return new String(bytes, 0, length, StandardCharsets.UTF_8);
    }
}
