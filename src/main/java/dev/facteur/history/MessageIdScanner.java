package dev.facteur.history;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Finds a message's {@code Message-ID} field (RFC 5322 §3.6.4) in its content as the content
 * goes by: a filter in front of the stream the message is stored through, which reads the header
 * section only and passes every byte on untouched. The first field of that name wins; its value is
 * unfolded (§2.2.3) and stripped, kept to {@value #MAX_VALUE} bytes. Once the header has ended, or
 * the field has been read, the filter costs one test per write.
 */
public final class MessageIdScanner extends OutputStream {

    static final int MAX_VALUE = 998; // RFC 5322 §2.1.1: the longest line
    private static final byte[] NAME = "message-id:".getBytes(StandardCharsets.US_ASCII);
    /** Header lines are kept up to this much: enough for the field's name and a value. */
    private static final int MAX_LINE = NAME.length + MAX_VALUE + 2;

    private final OutputStream out;
    private final byte[] line = new byte[MAX_LINE];
    private int length;
    private boolean done;
    /** The field's value so far, while its continuation lines may follow. */
    private StringBuilder value;
    private String found = "";

    /** @param out where the content goes on to ({@link OutputStream#nullOutputStream()} to only look) */
    public MessageIdScanner(OutputStream out) {
        this.out = out;
    }

    /** The field's value as found so far; "" when there is none (yet). */
    public String messageId() {
        return value != null ? clip(value.toString()) : found;
    }

    /** Reads the header of a message (no further) and returns its {@code Message-ID}, "" without one. */
    public static String read(InputStream in) throws IOException {
        var scanner = new MessageIdScanner(OutputStream.nullOutputStream());
        byte[] buf = new byte[8192];
        long seen = 0;
        for (int n; !scanner.done && seen < (1 << 20) && (n = in.read(buf)) > 0; seen += n) scanner.write(buf, 0, n);
        return scanner.messageId();
    }

    @Override
    public void write(int b) throws IOException {
        out.write(b);
        if (!done) see((byte) b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
        for (int i = off, end = off + len; i < end && !done; i++) see(b[i]);
    }

    @Override
    public void flush() throws IOException {
        out.flush();
    }

    @Override
    public void close() throws IOException {
        out.close();
    }

    private void see(byte b) {
        if (b != '\n') {
            if (length < line.length) line[length++] = b;
            return;
        }
        int end = length > 0 && line[length - 1] == '\r' ? length - 1 : length;
        length = 0;
        if (end == 0) { // the empty line: the header has ended
            finish();
            done = true;
            return;
        }
        boolean continuation = line[0] == ' ' || line[0] == '\t';
        if (continuation) {
            if (value != null && value.length() <= MAX_VALUE) value.append(new String(line, 0, end, StandardCharsets.UTF_8));
            return;
        }
        finish();
        if (!found.isEmpty()) {
            done = true; // the first one wins; the rest of the header is of no interest
        } else if (startsWithName(end)) {
            value = new StringBuilder(new String(line, NAME.length, end - NAME.length, StandardCharsets.UTF_8));
        } else if (indexOfColon(end) < 0) {
            done = true; // not a header field: the header has ended without its empty line
        }
    }

    private void finish() {
        if (value == null) return;
        found = clip(value.toString());
        value = null;
    }

    private static String clip(String v) {
        String s = v.strip();
        return s.length() > MAX_VALUE ? s.substring(0, MAX_VALUE) : s;
    }

    private boolean startsWithName(int end) {
        if (end < NAME.length) return false;
        for (int i = 0; i < NAME.length; i++) {
            byte c = line[i];
            if (c >= 'A' && c <= 'Z') c += 32;
            if (c != NAME[i]) return false;
        }
        return true;
    }

    private int indexOfColon(int end) {
        for (int i = 0; i < end; i++) if (line[i] == ':') return i;
        return -1;
    }
}
