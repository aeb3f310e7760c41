package dev.facteur.sts;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The HTTP/1.1 response to the policy fetcher's GET (RFC 9112), read from a stream with no
 * socket in sight: the status line and header section, then, for a response worth reading, the
 * body in whichever of the three framings the server chose (Content-Length, chunked, or up to the
 * end of the connection), never more than a limit. Anything malformed is a
 * {@link ProtocolException}; a body over the limit is {@link TooLarge}, found without reading
 * more than one octet past the limit.
 *
 * @param status the status code
 * @param fields the header fields, names in lower case; a repeated field's values joined by ", "
 */
record HttpReply(int status, Map<String, String> fields) {

    /** The status line and header section together may take this many octets. */
    static final int MAX_HEAD = 16 * 1024;

    /** A body longer than the caller allows. */
    static final class TooLarge extends IOException {
        TooLarge(String message) {
            super(message);
        }
    }

    HttpReply {
        fields = Map.copyOf(fields);
    }

    /** A header field's value, or null. */
    String field(String name) {
        return fields.get(name.toLowerCase(Locale.ROOT));
    }

    /** Reads the status line and the header fields, up to the empty line that ends them. */
    static HttpReply readHead(InputStream in) throws IOException {
        int[] budget = {MAX_HEAD};
        String status = line(in, budget);
        if (!status.matches("HTTP/1\\.[01] [0-9]{3}( .*)?"))
            throw new ProtocolException("not an HTTP/1.1 status line: \"" + printable(status) + "\"");
        int code = Integer.parseInt(status.substring(9, 12));
        Map<String, String> fields = new LinkedHashMap<>();
        for (String line = line(in, budget); !line.isEmpty(); line = line(in, budget)) {
            int colon = line.indexOf(':');
            if (colon <= 0 || line.charAt(0) == ' ' || line.charAt(0) == '\t')
                throw new ProtocolException("not a header field: \"" + printable(line) + "\"");
            String name = line.substring(0, colon).toLowerCase(Locale.ROOT);
            if (name.endsWith(" ") || name.endsWith("\t")) throw new ProtocolException("a space before the colon of " + name);
            String value = line.substring(colon + 1).strip();
            fields.merge(name, value, (a, b) -> a + ", " + b);
        }
        return new HttpReply(code, fields);
    }

    /**
     * Reads the body that follows the head, of at most {@code max} octets. A Transfer-Encoding
     * other than chunked alone, or a Content-Encoding (the request asked for none), is refused:
     * the octets would not be the policy.
     */
    byte[] readBody(InputStream in, int max) throws IOException {
        String encoding = field("content-encoding");
        if (encoding != null && !encoding.equalsIgnoreCase("identity"))
            throw new ProtocolException("Content-Encoding " + encoding + ", which was not asked for");
        String transfer = field("transfer-encoding");
        if (transfer != null) {
            if (!transfer.equalsIgnoreCase("chunked")) throw new ProtocolException("Transfer-Encoding " + transfer + " is not supported");
            return chunked(in, max);
        }
        String length = field("content-length");
        if (length != null) {
            if (!length.matches("[0-9]{1,18}")) throw new ProtocolException("Content-Length \"" + printable(length) + "\"");
            long n = Long.parseLong(length);
            if (n > max) throw new TooLarge("Content-Length " + n + ", over the limit of " + max + " octets");
            byte[] body = in.readNBytes((int) n);
            if (body.length < n) throw new ProtocolException("the connection ended after " + body.length + " of " + n + " octets");
            return body;
        }
        byte[] body = in.readNBytes(max + 1); // up to the end of the connection
        if (body.length > max) throw new TooLarge("a body over the limit of " + max + " octets");
        return body;
    }

    /** RFC 9112 §7.1: chunks, each its size in hex (extensions ignored), then the trailer section. */
    private static byte[] chunked(InputStream in, int max) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        int[] budget = {MAX_HEAD}; // for the size lines and trailer fields together
        while (true) {
            String line = line(in, budget);
            int semicolon = line.indexOf(';');
            String hex = (semicolon < 0 ? line : line.substring(0, semicolon)).strip();
            if (!hex.matches("[0-9A-Fa-f]{1,8}")) throw new ProtocolException("not a chunk size: \"" + printable(line) + "\"");
            long size = Long.parseLong(hex, 16);
            if (size == 0) break;
            if (body.size() + size > max) throw new TooLarge("a chunked body over the limit of " + max + " octets");
            byte[] chunk = in.readNBytes((int) size);
            if (chunk.length < size) throw new ProtocolException("the connection ended inside a chunk");
            body.write(chunk);
            if (!line(in, budget).isEmpty()) throw new ProtocolException("a chunk longer than its size");
        }
        while (!line(in, budget).isEmpty()) {
            // trailer fields: nothing the policy needs
        }
        return body.toByteArray();
    }

    /**
     * One line without its end, CRLF or a bare LF (RFC 9112 §2.2 lets a recipient take LF alone),
     * taking its length from {@code budget}. Octets are read as Latin-1: field values are ASCII,
     * and nothing else here is decoded.
     */
    private static String line(InputStream in, int[] budget) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (true) {
            int b = in.read();
            if (b < 0) throw new ProtocolException("the connection ended inside the response's head");
            if (--budget[0] < 0) throw new ProtocolException("a response head over " + MAX_HEAD + " octets");
            if (b == '\n') break;
            line.write(b);
        }
        byte[] bytes = line.toByteArray();
        int n = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
        return new String(bytes, 0, n, StandardCharsets.ISO_8859_1);
    }

    /** Text from the network as a log line may show it: control characters escaped, at most 100 of them. */
    static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : (s.length() > 100 ? s.substring(0, 100) : s).toCharArray())
            b.append(c < 0x20 || c == 0x7f ? String.format("\\x%02x", (int) c) : String.valueOf(c));
        return s.length() > 100 ? b + "..." : b.toString();
    }
}
