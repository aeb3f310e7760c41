package dev.facteur.smtp;

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

    /** The reply as sent: every line but the last uses {@code code-}, the last {@code code SP}. */
    public byte[] encode() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < lines.size(); i++) {
            sb.append(code).append(i == lines.size() - 1 ? ' ' : '-');
            if (!enhanced.isEmpty()) sb.append(enhanced).append(' ');
            sb.append(lines.get(i)).append("\r\n");
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return code + (enhanced.isEmpty() ? "" : " " + enhanced) + " " + String.join(" / ", lines);
    }
}
