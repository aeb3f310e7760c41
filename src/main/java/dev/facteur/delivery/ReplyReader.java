package dev.facteur.delivery;

import dev.facteur.smtp.Reply;
import java.io.IOException;
import java.io.InputStream;
import java.net.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads server replies (RFC 5321 §4.2): {@code code-text} lines then a {@code code SP text} line.
 * Anything else is garbage and ends the conversation; a peer cannot make us buffer without end.
 */
final class ReplyReader {

    static final int MAX_LINE = 4096;
    static final int MAX_LINES = 200;

    private final InputStream in;

    ReplyReader(InputStream in) {
        this.in = in;
    }

    Reply read() throws IOException {
        List<String> lines = new ArrayList<>();
        int code = -1;
        String enhanced = null;
        while (true) {
            String line = readLine();
            if (line.length() < 3 || !isDigits(line.substring(0, 3)) || (line.length() > 3 && line.charAt(3) != ' ' && line.charAt(3) != '-'))
                throw new ProtocolException("garbage reply: " + printable(line));
            int c = Integer.parseInt(line.substring(0, 3));
            if (code >= 0 && c != code) throw new ProtocolException("reply code changed inside a multiline reply: " + printable(line));
            code = c;
            String text = line.length() > 4 ? line.substring(4) : "";
            String e = enhancedCode(c, text);
            if (e != null) {
                if (enhanced == null) enhanced = e;
                text = text.substring(e.length()).stripLeading();
            }
            if (lines.size() < MAX_LINES) lines.add(text.isEmpty() ? " " : text);
            if (line.length() == 3 || line.charAt(3) == ' ') break;
        }
        if (code < 200 || code > 599) throw new ProtocolException("reply code out of range: " + code);
        return new Reply(code, enhanced == null ? "" : enhanced, lines);
    }

    /** RFC 3463: {@code class.subject.detail}, where class matches the reply's first digit. */
    static String enhancedCode(int code, String text) {
        int sp = text.indexOf(' ');
        String first = sp < 0 ? text : text.substring(0, sp);
        String[] parts = first.split("\\.", -1);
        if (parts.length != 3) return null;
        if (!parts[0].equals(String.valueOf(code / 100))) return null;
        for (String p : parts) if (p.isEmpty() || p.length() > 3 || !isDigits(p)) return null;
        return first;
    }

    private String readLine() throws IOException {
        byte[] buf = new byte[256];
        int len = 0;
        boolean truncated = false;
        while (true) {
            int b = in.read();
            if (b < 0) throw new java.io.EOFException("connection closed by server");
            if (b == '\n') break;
            if (len < MAX_LINE) {
                if (len == buf.length) buf = java.util.Arrays.copyOf(buf, buf.length * 2);
                buf[len++] = (byte) b;
            } else {
                truncated = true;
            }
        }
        if (len > 0 && buf[len - 1] == '\r') len--;
        String s = new String(buf, 0, len, StandardCharsets.UTF_8);
        return truncated ? s + "..." : s;
    }

    private static boolean isDigits(String s) {
        if (s.isEmpty()) return false;
        for (int i = 0; i < s.length(); i++) if (s.charAt(i) < '0' || s.charAt(i) > '9') return false;
        return true;
    }

    static String printable(String s) {
        String t = s.length() > 100 ? s.substring(0, 100) + "..." : s;
        return t.replaceAll("[\\p{Cntrl}]", "?");
    }
}
