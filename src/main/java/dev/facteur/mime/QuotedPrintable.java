package dev.facteur.mime;

import java.io.ByteArrayOutputStream;

/** RFC 2045 §6.7 quoted-printable encoding of a body whose lines end with CRLF. */
final class QuotedPrintable {

    private static final byte[] HEX = "0123456789ABCDEF".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    /** Encoded lines stay within 76 characters, the soft line break's "=" included (rule 5). */
    private static final int MAX_LINE = 76;

    private QuotedPrintable() {}

    /** Encodes {@code b[from, to)}; its CRLFs stay hard line breaks. */
    static void encode(byte[] b, int from, int to, ByteArrayOutputStream out) {
        int lineStart = from;
        for (int i = from; i < to; i++) {
            if (b[i] == '\r' && i + 1 < to && b[i + 1] == '\n') {
                encodeLine(b, lineStart, i, out);
                out.write('\r');
                out.write('\n');
                i++;
                lineStart = i + 1;
            }
        }
        if (lineStart < to) encodeLine(b, lineStart, to, out);
    }

    private static void encodeLine(byte[] b, int from, int to, ByteArrayOutputStream out) {
        int column = 0;
        for (int i = from; i < to; i++) {
            int c = b[i] & 0xFF;
            // white space is literal except at the end of a line, where transport may strip it (rule 3)
            boolean literal = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && i < to - 1);
            int width = literal ? 1 : 3;
            if (column + width > MAX_LINE - 1) { // room for the "=" of a soft line break
                out.write('=');
                out.write('\r');
                out.write('\n');
                column = 0;
            }
            if (literal) {
                out.write(c);
            } else {
                out.write('=');
                out.write(HEX[c >> 4]);
                out.write(HEX[c & 0xF]);
            }
            column += width;
        }
    }
}
