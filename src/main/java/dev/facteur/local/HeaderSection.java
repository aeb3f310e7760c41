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

    /**
     * Past this a header section is not one a loop could hide in: at most this many bytes are read
     * (plus the read-ahead of one buffer), however long a line is, and only the fields read whole
     * before it are returned.
     */
    static final int MAX_BYTES = 1 << 20;

    /** One line without its CRLF (or bare LF), the bytes it took, and whether the byte budget cut it short. */
    private record Line(String text, int bytes, boolean cut) {
        boolean continuesAField() { // §2.2.3: a folded line starts with white space
            return !text.isEmpty() && (text.charAt(0) == ' ' || text.charAt(0) == '\t');
        }
    }

    private HeaderSection() {}

    /** The unfolded values of every field named {@code name} (case-insensitively), in order. */
    static List<String> values(InputStream content, String name) throws IOException {
        var in = new BufferedInputStream(content);
        List<String> values = new ArrayList<>();
        StringBuilder field = null; // the field being read, while it is one we want
        int left = MAX_BYTES;
        for (Line line; (line = readLine(in, left)) != null; left -= line.bytes()) {
            if (line.cut()) {
                // The budget ends inside this line. The field before it is whole only if this line
                // starts another one; a field cut short could match where the whole one would not.
                if (line.text().isEmpty() || line.continuesAField()) field = null;
                break;
            }
            if (line.text().isEmpty()) break; // the end of the header section
            if (line.continuesAField()) {
                if (field != null) field.append(line.text());
                continue;
            }
            if (field != null) values.add(field.toString().strip());
            String text = line.text();
            int colon = text.indexOf(':');
            boolean wanted = colon > 0 && text.substring(0, colon).strip().equalsIgnoreCase(name);
            field = wanted ? new StringBuilder(text.substring(colon + 1)) : null;
        }
        if (field != null) values.add(field.toString().strip());
        return values;
    }

    /**
     * The next line as UTF-8 (RFC 6532), reading at most {@code limit} bytes: cut when they end
     * before its LF and before the end of input; null at the end of input.
     */
    private static Line readLine(InputStream in, int limit) throws IOException {
        var line = new ByteArrayOutputStream();
        int bytes = 0;
        int b = 0;
        while (bytes < limit && (b = in.read()) >= 0) {
            bytes++;
            if (b == '\n') break;
            line.write(b);
        }
        if (b < 0 && bytes == 0) return null;
        boolean cut = bytes == limit && b != '\n' && b >= 0;
        byte[] text = line.toByteArray();
        int length = !cut && text.length > 0 && text[text.length - 1] == '\r' ? text.length - 1 : text.length;
        return new Line(new String(text, 0, length, StandardCharsets.UTF_8), bytes, cut);
    }
}
