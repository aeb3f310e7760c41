package dev.facteur.mime;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Makes an 8-bit message 7-bit for a server without 8BITMIME, which RFC 6152 §3 allows instead
 * of a bounce: every MIME part holding 8-bit bytes gets {@code Content-Transfer-Encoding:
 * quoted-printable} (RFC 2045 §6.7), walking multiparts and attached messages; everything else is
 * copied byte for byte. A header with 8-bit bytes (raw UTF-8, RFC 6532) cannot be made 7-bit
 * without knowing its charset, and neither can a message/global part: those are impossible, and
 * the caller bounces as before.
 */
public final class SevenBitDowngrade {

    /** What became of the message. */
    public sealed interface Result {
        record Converted(byte[] content) implements Result {}

        record Impossible(String reason) implements Result {}
    }

    private static final int MAX_DEPTH = 20;
    private static final Pattern BOUNDARY = Pattern.compile("(?i);\\s*boundary\\s*=\\s*(?:\"([^\"]{1,70})\"|([^;\\s\"]{1,70}))");

    private final byte[] msg;
    private final ByteArrayOutputStream out;

    private SevenBitDowngrade(byte[] msg) {
        this.msg = msg;
        this.out = new ByteArrayOutputStream(msg.length + msg.length / 8);
    }

    /** Converts a whole message (CRLF line ends, as stored). */
    public static Result convert(byte[] message) {
        var d = new SevenBitDowngrade(message);
        try {
            d.entity(0, message.length, true, 0);
        } catch (CannotConvert e) {
            return new Result.Impossible(e.getMessage());
        }
        return new Result.Converted(d.out.toByteArray());
    }

    private static final class CannotConvert extends Exception {
        CannotConvert(String why) {
            super(why, null, false, false);
        }
    }

    /** One MIME entity, header and body, in {@code msg[start, end)}. */
    private void entity(int start, int end, boolean topLevel, int depth) throws CannotConvert {
        if (depth > MAX_DEPTH) throw new CannotConvert("MIME parts nested too deep to convert");
        if (!has8bit(start, end)) {
            out.write(msg, start, end - start);
            return;
        }
        int headerEnd = headerEnd(start, end); // index of the empty line's CRLF, or end
        if (has8bit(start, headerEnd)) throw new CannotConvert("8-bit bytes in a header (RFC 6532) cannot be made 7-bit");
        int bodyStart = Math.min(end, headerEnd + 2);
        String header = new String(msg, start, headerEnd - start, StandardCharsets.US_ASCII);
        String contentType = field(header, "content-type");
        String type = contentType == null ? "text/plain" : contentType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        if (type.startsWith("multipart/")) {
            Matcher m = BOUNDARY.matcher(contentType);
            if (m.find()) {
                out.write(msg, start, bodyStart - start);
                multipart(bodyStart, end, m.group(1) != null ? m.group(1) : m.group(2), depth);
                return;
            }
        }
        if (type.equals("message/global")) throw new CannotConvert("a message/global part (RFC 6532) cannot be made 7-bit");
        if (type.equals("message/rfc822")) {
            writeHeader(header, "7bit", false);
            out.write(msg, headerEnd, bodyStart - headerEnd); // the empty line
            entity(bodyStart, end, false, depth + 1);
            return;
        }
        writeHeader(header, "quoted-printable", topLevel && field(header, "mime-version") == null);
        out.write(msg, headerEnd, bodyStart - headerEnd);
        QuotedPrintable.encode(msg, bodyStart, end, out);
    }

    /** The body of a multipart: each part between delimiter lines converted on its own (RFC 2046 §5.1.1). */
    private void multipart(int start, int end, String boundary, int depth) throws CannotConvert {
        byte[] dash = ("--" + boundary).getBytes(StandardCharsets.US_ASCII);
        int at = nextDelimiter(start, end, dash);
        if (at < 0) { // no parts at all: the body is text of its own
            QuotedPrintable.encode(msg, start, end, out);
            return;
        }
        copySanitized(start, Math.max(start, at - 2)); // preamble: ignored by readers, kept 7-bit
        if (at > start) out.write(msg, at - 2, 2);
        while (true) {
            int lineEnd = lineEnd(at, end);
            boolean close = at + dash.length + 1 < end && msg[at + dash.length] == '-' && msg[at + dash.length + 1] == '-';
            out.write(msg, at, lineEnd - at); // the delimiter line with its CRLF
            if (close) {
                copySanitized(lineEnd, end); // epilogue
                return;
            }
            int next = nextDelimiter(lineEnd, end, dash);
            if (next < 0) { // a last part without a closing delimiter
                entity(lineEnd, end, false, depth + 1);
                return;
            }
            entity(lineEnd, Math.max(lineEnd, next - 2), false, depth + 1);
            out.write(msg, next - 2, 2);
            at = next;
        }
    }

    /** Start of the next line in {@code [from, end)} that begins with the delimiter, or -1. */
    private int nextDelimiter(int from, int end, byte[] dash) {
        for (int i = from; i < end; i = lineEnd(i, end)) {
            if (i + dash.length <= end && java.util.Arrays.equals(msg, i, i + dash.length, dash, 0, dash.length)) {
                int after = i + dash.length;
                // the delimiter is followed by "--", white space or the line end, never by more boundary text
                if (after >= end || msg[after] == '\r' || msg[after] == '-' || msg[after] == ' ' || msg[after] == '\t') return i;
            }
        }
        return -1;
    }

    private int lineEnd(int from, int end) {
        for (int i = from; i + 1 < end; i++) if (msg[i] == '\r' && msg[i + 1] == '\n') return i + 2;
        return end;
    }

    private int headerEnd(int start, int end) {
        if (start + 1 < end && msg[start] == '\r' && msg[start + 1] == '\n') return start; // no header at all
        for (int i = start; i + 3 < end; i++) {
            if (msg[i] == '\r' && msg[i + 1] == '\n' && msg[i + 2] == '\r' && msg[i + 3] == '\n') return i + 2;
        }
        return end;
    }

    /** Writes the header with its Content-Transfer-Encoding replaced, and MIME-Version added when asked. */
    private void writeHeader(String header, String encoding, boolean addMimeVersion) {
        StringBuilder sb = new StringBuilder(header.length() + 64);
        for (String field : fields(header)) {
            if (!field.regionMatches(true, 0, "content-transfer-encoding:", 0, 26)) sb.append(field);
        }
        if (addMimeVersion) sb.append("MIME-Version: 1.0\r\n");
        sb.append("Content-Transfer-Encoding: ").append(encoding).append("\r\n");
        byte[] b = sb.toString().getBytes(StandardCharsets.US_ASCII);
        out.write(b, 0, b.length);
    }

    /** The header's fields, each with its continuation lines and final CRLF. */
    private static java.util.List<String> fields(String header) {
        java.util.List<String> out = new java.util.ArrayList<>();
        int i = 0;
        while (i < header.length()) {
            int end = i;
            do {
                int lf = header.indexOf('\n', end);
                end = lf < 0 ? header.length() : lf + 1;
            } while (end < header.length() && (header.charAt(end) == ' ' || header.charAt(end) == '\t'));
            String f = header.substring(i, end);
            out.add(f.endsWith("\n") ? f : f + "\r\n");
            i = end;
        }
        return out;
    }

    /** The unfolded value of the first field called {@code name}, or null. */
    private static String field(String header, String name) {
        for (String f : fields(header)) {
            int colon = f.indexOf(':');
            if (colon > 0 && f.substring(0, colon).strip().equalsIgnoreCase(name)) {
                return f.substring(colon + 1).replaceAll("\r\n[ \t]", " ").strip();
            }
        }
        return null;
    }

    private boolean has8bit(int from, int to) {
        for (int i = from; i < to; i++) if (msg[i] < 0) return true;
        return false;
    }

    /** Copies text no reader shows (preamble, epilogue), with 8-bit bytes replaced by '?'. */
    private void copySanitized(int from, int to) {
        for (int i = from; i < to; i++) out.write(msg[i] < 0 ? '?' : msg[i]);
    }
}
