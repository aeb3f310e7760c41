package dev.facteur.smtp;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * RFC 5321 §4.2: a reply code, its RFC 3463 enhanced status code (empty for greetings and
 * EHLO) and one or more lines of text.
 */
public record Reply(int code, String enhanced, List<String> lines) {

    public Reply {
        lines = List.copyOf(lines);
        if (lines.isEmpty()) throw new IllegalArgumentException("reply needs text");
    }

    public Reply(int code, String enhanced, String text) {
        this(code, enhanced, List.of(text));
    }

    public boolean isPositive() {
        return code < 400;
    }

    public boolean isPermanent() {
        return code >= 500;
    }

    /** RFC 5321 §4.5.3.1.5: a reply line is at most 512 octets, CRLF included. */
    static final int MAX_LINE = 512;

    /**
     * The reply as sent: every line but the last uses {@code code-}, the last {@code code SP}. A
     * line that would exceed {@value #MAX_LINE} octets (it echoes what a client sent) is cut, between
     * two characters.
     */
    public byte[] encode() {
        var out = new ByteArrayOutputStream(64 * lines.size());
        for (int i = 0; i < lines.size(); i++) {
            String prefix = code + (i == lines.size() - 1 ? " " : "-") + (enhanced.isEmpty() ? "" : enhanced + " ");
            String line = prefix + lines.get(i);
            byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
            int room = MAX_LINE - 2;
            int len = bytes.length;
            if (len > room) {
                len = room;
                while ((bytes[len] & 0xC0) == 0x80) len--; // not inside a UTF-8 sequence
            }
            out.write(bytes, 0, len);
            out.write('\r');
            out.write('\n');
        }
        return out.toByteArray();
    }

    @Override
    public String toString() {
        return code + (enhanced.isEmpty() ? "" : " " + enhanced) + " " + String.join(" / ", lines);
    }
}
