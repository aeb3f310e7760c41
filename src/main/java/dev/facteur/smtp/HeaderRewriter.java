package dev.facteur.smtp;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Passes a message through, giving each header field of its header section to a
 * {@link AddressPolicy.HeaderRewrite} on the way. The header section is held until its empty
 * line (at most {@value #MAX_HEADER} bytes; a longer one passes untouched); the body streams.
 * Call {@link #finish} after the last byte: a message may be all header.
 */
final class HeaderRewriter extends OutputStream {

    static final int MAX_HEADER = 256 * 1024;

    private final OutputStream out;
    private final AddressPolicy.HeaderRewrite rewrite;
    private ByteArrayOutputStream header = new ByteArrayOutputStream(4096);
    private int lineStart; // offset in header of the line being read

    HeaderRewriter(OutputStream out, AddressPolicy.HeaderRewrite rewrite) {
        this.out = out;
        this.rewrite = rewrite;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (header == null) {
            out.write(b, off, len);
            return;
        }
        for (int i = off; i < off + len; i++) {
            header.write(b[i]);
            if (b[i] != '\n') continue;
            int size = header.size();
            boolean emptyLine = size - lineStart <= 2;
            lineStart = size;
            if (emptyLine || size > MAX_HEADER) {
                flushHeader(!emptyLine);
                out.write(b, i + 1, off + len - i - 1);
                return;
            }
        }
        if (header.size() > MAX_HEADER) flushHeader(true);
    }

    /** Writes out what is still held (a message that ended inside its header). */
    void finish() throws IOException {
        if (header != null) flushHeader(false);
    }

    private void flushHeader(boolean untouched) throws IOException {
        byte[] raw = header.toByteArray();
        header = null;
        if (untouched) {
            out.write(raw);
            return;
        }
        // Fields are text lines; ISO-8859-1 maps bytes 1:1, so untouched bytes (8-bit or UTF-8) survive.
        String text = new String(raw, StandardCharsets.ISO_8859_1);
        StringBuilder result = new StringBuilder(text.length() + 64);
        int i = 0;
        boolean added = false;
        while (i < text.length()) {
            int end = fieldEnd(text, i);
            String field = text.substring(i, end);
            int colon = field.indexOf(':');
            if (colon > 0 && !Character.isWhitespace(field.charAt(0))) {
                String name = field.substring(0, colon);
                String value = field.substring(colon + 1);
                String newValue = rewrite.rewrite(name, value);
                if (newValue == null || newValue.equals(value)) result.append(field);
                else if (!newValue.isEmpty()) result.append(name).append(':').append(newValue);
            } else {
                if (!added && (field.equals("\r\n") || field.equals("\n"))) { // the empty line: new fields go before it
                    result.append(rewrite.added());
                    added = true;
                }
                result.append(field);
            }
            i = end;
        }
        if (!added) result.append(rewrite.added()); // a message that is all header
        out.write(result.toString().getBytes(StandardCharsets.ISO_8859_1));
    }

    /** End of the field starting at {@code start}: after its last line, continuation lines included. */
    private static int fieldEnd(String text, int start) {
        int i = start;
        while (true) {
            int lf = text.indexOf('\n', i);
            if (lf < 0) return text.length();
            i = lf + 1;
            if (i >= text.length() || (text.charAt(i) != ' ' && text.charAt(i) != '\t')) return i;
            if (lf == start) return i; // the empty line itself
        }
    }
}
