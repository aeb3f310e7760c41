package dev.facteur.delivery;

import dev.facteur.smtp.Reply;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.ProtocolException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Reads server replies (RFC 5321 §4.2): {@code code-text} lines then a {@code code SP text} line.
 * Anything else is garbage and ends the conversation.
 *
 * <p>A peer cannot hold us: the whole reply, every line of it, must arrive before its deadline
 * (RFC 5321 §4.5.3.2 gives one per stage), however slowly the bytes trickle in, and a reply that
 * goes on past {@value #MAX_REPLY} bytes is refused. RFC 5321 §4.5.3.1.5 allows 512 octets a
 * line; the longest honest replies are an EHLO list (a kilobyte) and multi-line policy
 * rejections (a few kilobytes), so 64 KB is over a hundred full lines: a reply that long is a
 * broken or hostile server, and waiting for more helps nobody.
 */
final class ReplyReader {

    /** Bytes kept of one line (RFC 5321 says 512); longer lines are cut, though still read and counted. */
    static final int MAX_LINE = 4096;
    /** Lines kept of one reply, for logs and DSNs. */
    static final int MAX_LINES = 200;
    /** Bytes read for one reply, line ends included: beyond this the reply is refused. */
    static final int MAX_REPLY = 64 * 1024;

    /** Sets how long the next blocking read may wait (a socket's SO_TIMEOUT); 0 is never passed. */
    @FunctionalInterface
    interface ReadTimeout {
        void set(int millis) throws IOException;
    }

    private final InputStream in;
    private final ReadTimeout readTimeout;
    private final LongSupplier nanoTime;
    private final byte[] buf = new byte[8192];
    private int pos;
    private int lim;

    /**
     * Over a stream without a read timeout: the deadline is checked between reads, and a read
     * that blocks is ended by whoever watches the connection (the client's watchdog closes it).
     */
    ReplyReader(InputStream in) {
        this(in, millis -> { }, System::nanoTime);
    }

    ReplyReader(InputStream in, ReadTimeout readTimeout, LongSupplier nanoTime) {
        this.in = in;
        this.readTimeout = readTimeout;
        this.nanoTime = nanoTime;
    }

    /** One reply, all of it within {@code deadline}. */
    Reply read(Duration deadline) throws IOException {
        long due = nanoTime.getAsLong() + deadline.toNanos();
        int[] budget = {MAX_REPLY};
        List<String> lines = new ArrayList<>();
        int code = -1;
        String enhanced = null;
        while (true) {
            String line = readLine(due, budget);
            if (line.length() < 3 || !isDigits(line.substring(0, 3)) || (line.length() > 3 && line.charAt(3) != ' ' && line.charAt(3) != '-'))
                throw new ProtocolException("garbage reply: " + printable(line));
            int c = Integer.parseInt(line.substring(0, 3));
            if (code >= 0 && c != code) throw new ProtocolException("reply code changed inside a multiline reply: " + printable(line));
            code = c;
            String text = line.length() > 4 ? line.substring(4) : "";
            String e = enhancedCode(c, text);
            if (e != null && enhanced == null) enhanced = e;
            // RFC 2034 puts the code on every line of a reply; a line with another one keeps it in its text, for logs and DSNs
            if (e != null && e.equals(enhanced)) text = text.substring(e.length()).stripLeading();
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

    private String readLine(long due, int[] budget) throws IOException {
        byte[] line = new byte[128];
        int len = 0;
        boolean truncated = false;
        while (true) {
            if (pos == lim) fill(due);
            if (--budget[0] < 0) throw new ProtocolException("reply longer than " + MAX_REPLY + " bytes");
            byte b = buf[pos++];
            if (b == '\n') break;
            if (len < MAX_LINE) {
                if (len == line.length) line = Arrays.copyOf(line, line.length * 2);
                line[len++] = b;
            } else {
                truncated = true;
            }
        }
        if (len > 0 && line[len - 1] == '\r') len--;
        String s = new String(line, 0, len, StandardCharsets.UTF_8);
        return truncated ? s + "..." : s;
    }

    /** Reads more, waiting no longer than what is left until {@code due}. */
    private void fill(long due) throws IOException {
        long left = due - nanoTime.getAsLong();
        if (left <= 0) throw new SocketTimeoutException("reply not complete in time");
        readTimeout.set((int) Math.min(Integer.MAX_VALUE, Math.max(1, (left + 999_999) / 1_000_000)));
        int n = in.read(buf, 0, buf.length);
        if (n < 0) throw new EOFException("connection closed by server");
        pos = 0;
        lim = n;
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
