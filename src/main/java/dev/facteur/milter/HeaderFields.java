package dev.facteur.milter;

import dev.facteur.io.ByteScan;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.util.Arrays;

/**
 * Reads the header section off the front of a message, one field at a time, then hands over the
 * rest as the body, unread. As Postfix's MIME reader: the section ends at the empty line (which
 * belongs to neither), or at the first line that is neither a field nor a continuation, which
 * then starts the body. Holds one field at a time: past {@code maxField} bytes a field's excess
 * is read and dropped, as Postfix's {@code header_size_limit} does.
 */
final class HeaderFields {

    /**
     * A field as a filter sees it: the name (without the white space before the colon), and the
     * value after the colon, its folded lines joined by LF alone (as Sendmail keeps headers), with
     * no line end after the last; and the field as it was read ({@code raw}: its line ends
     * included, cut at the limit).
     */
    record Field(byte[] name, byte[] value, byte[] raw) {}

    /** A longer run of name characters without a colon is no field name. */
    private static final int MAX_NAME = 998;

    private final InputStream in;
    private final int maxField;
    private byte[] buf = new byte[8192];
    private int pos;
    private int end;
    private boolean eof;
    private boolean done;
    private boolean emptyLine;

    HeaderFields(InputStream in, int maxField) {
        this.in = in;
        this.maxField = maxField;
    }

    /** The next field, or null at the end of the header section. */
    Field next() throws IOException {
        if (done) return null;
        if (!fill(1)) return finished();
        if (buf[pos] == '\n') {
            pos++;
            emptyLine = true;
            return finished();
        }
        if (buf[pos] == '\r' && fill(2) && buf[pos + 1] == '\n') {
            pos += 2;
            emptyLine = true;
            return finished();
        }
        int colon = colon();
        if (colon < 0) return finished(); // the body starts with this line
        int keep = Math.max(maxField, colon + 1); // the name is kept whole, whatever the limit
        var field = new ByteArrayOutputStream(Math.min(keep, 256));
        takeLine(field, keep);
        while (fill(1) && (buf[pos] == ' ' || buf[pos] == '\t')) takeLine(field, keep);
        byte[] raw = field.toByteArray();
        int nameEnd = colon;
        while (nameEnd > 0 && (raw[nameEnd - 1] == ' ' || raw[nameEnd - 1] == '\t')) nameEnd--;
        return new Field(Arrays.copyOf(raw, nameEnd), unfoldedLineEnds(raw, colon + 1), raw);
    }

    /** Whether the section ended at an empty line (read, and part of neither), rather than at the body's first line or the end. */
    boolean endedAtEmptyLine() {
        return emptyLine;
    }

    /** The rest of the message after the header section; call once {@link #next} has returned null. */
    InputStream body() {
        if (!done) throw new IllegalStateException("the header section is not read yet");
        return new SequenceInputStream(new ByteArrayInputStream(buf, pos, end - pos), in);
    }

    private Field finished() {
        done = true;
        return null;
    }

    /**
     * The offset from {@code pos} of the colon that ends the field name starting the line at
     * {@code pos}, or -1 when the line is no field: printable characters other than the colon,
     * then perhaps white space, then the colon (RFC 5322 §2.2, with the obsolete space of §4.5).
     */
    private int colon() throws IOException {
        boolean space = false;
        for (int i = 0; i <= MAX_NAME && fill(i + 1); i++) {
            int b = buf[pos + i] & 0xFF;
            if (b == ':') return i > 0 ? i : -1;
            if (b == ' ' || b == '\t') {
                if (i == 0) return -1; // a continuation with no field to continue
                space = true;
            } else if (b < 33 || b > 126 || space) {
                return -1; // a control or 8-bit byte, or a name character after the white space
            }
        }
        return -1;
    }

    /** Moves one line, its line end included, into {@code field}, keeping at most {@code keep} bytes there. */
    private void takeLine(ByteArrayOutputStream field, int keep) throws IOException {
        while (fill(1)) {
            int lf = ByteScan.indexOf(buf, pos, end, (byte) '\n');
            int stop = lf < end ? lf + 1 : end;
            int room = keep - field.size();
            if (room > 0) field.write(buf, pos, Math.min(room, stop - pos));
            pos = stop;
            if (lf < end) return;
        }
    }

    /** The value from {@code from}: CRLF (or LF) between lines becomes LF, and the last line end goes. */
    private static byte[] unfoldedLineEnds(byte[] raw, int from) {
        var out = new ByteArrayOutputStream(raw.length - from);
        for (int i = from; i < raw.length; i++) {
            if (raw[i] == '\r' && i + 1 < raw.length && raw[i + 1] == '\n') continue;
            out.write(raw[i]);
        }
        byte[] v = out.toByteArray();
        int len = v.length;
        if (len > 0 && v[len - 1] == '\n') len--;
        return len == v.length ? v : Arrays.copyOf(v, len);
    }

    /** Whether at least {@code n} bytes are buffered from {@code pos}, reading more (and growing the buffer) as needed. */
    private boolean fill(int n) throws IOException {
        while (end - pos < n) {
            if (eof) return false;
            if (pos > 0) {
                System.arraycopy(buf, pos, buf, 0, end - pos);
                end -= pos;
                pos = 0;
            }
            if (end == buf.length) buf = Arrays.copyOf(buf, buf.length * 2);
            int r = in.read(buf, end, buf.length - end);
            if (r < 0) eof = true;
            else end += r;
        }
        return true;
    }
}
