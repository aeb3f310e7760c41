package dev.facteur.message;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
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
     * leaving the stream at the body, or {@code max} bytes of it when it is longer. A stream that
     * supports mark (a {@link java.io.BufferedInputStream}) is read in blocks, then set back to
     * where the body starts; any other byte by byte.
     */
    public static String read(InputStream in, int max) throws IOException {
        if (!in.markSupported()) return readByteByByte(in, max);
        in.mark(max);
        byte[] buf = new byte[Math.min(max, 8192)];
        int len = 0, end = -1;
        while (end < 0 && len < max) {
            if (len == buf.length) buf = Arrays.copyOf(buf, (int) Math.min(max, 2L * buf.length));
            int n = in.read(buf, len, buf.length - len);
            if (n < 0) break;
            int from = Math.max(0, len - 3);
            len += n;
            end = sectionEnd(buf, from, len);
        }
        int taken = end >= 0 ? end : len;
        in.reset();
        in.skipNBytes(taken);
        return new String(buf, 0, taken, StandardCharsets.ISO_8859_1);
    }

    /** Where the section ends in {@code b[0, len)}, looking from {@code from}: after its empty line's CRLF; -1 when not yet. */
    private static int sectionEnd(byte[] b, int from, int len) {
        if (len >= 2 && b[0] == '\r' && b[1] == '\n') return 2; // no field at all
        for (int i = Math.max(0, from); i + 3 < len; i++)
            if (b[i] == '\r' && b[i + 1] == '\n' && b[i + 2] == '\r' && b[i + 3] == '\n') return i + 4;
        return -1;
    }

    private static String readByteByByte(InputStream in, int max) throws IOException {
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
