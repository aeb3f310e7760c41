package dev.facteur.mime;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.commons.codec.DecoderException;
import org.apache.commons.codec.net.BCodec;
import org.apache.commons.codec.net.QuotedPrintableCodec;

/**
 * A message read back the way a mail reader reads it, with decoders that are not Facteur's
 * (commons-codec's RFC 2047 "B" and quoted-printable, the JDK's base64): so that a test of what
 * the composer writes does not check it against the composer's own idea of MIME. Strict where a
 * composer must be: every line ends with CRLF, no line is longer than 998 octets, and a
 * multipart's closing delimiter is there.
 */
public final class ParsedMessage {

    private static final Pattern ENCODED_WORD = Pattern.compile("=\\?([^?\\s]+)\\?([BbQq])\\?([^?\\s]*)\\?=");

    /** The raw header fields, unfolded, by lower-case name, in order. */
    public final Map<String, List<String>> fields = new LinkedHashMap<>();
    /** The raw header lines, as written (before unfolding). */
    public final List<String> headerLines = new ArrayList<>();
    public final byte[] body;

    public ParsedMessage(byte[] message) {
        String text = new String(message, StandardCharsets.ISO_8859_1);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\n' && (i == 0 || text.charAt(i - 1) != '\r')) throw new AssertionError("a bare LF at " + i);
            if (c == '\r' && (i + 1 == text.length() || text.charAt(i + 1) != '\n')) throw new AssertionError("a bare CR at " + i);
        }
        for (String line : text.split("\r\n")) if (line.length() > 998) throw new AssertionError("a line of " + line.length() + " octets");
        int end = text.indexOf("\r\n\r\n");
        if (end < 0) throw new AssertionError("no empty line after the header");
        String header = new String(message, 0, end, StandardCharsets.UTF_8);
        headerLines.addAll(List.of(header.split("\r\n")));
        // RFC 5322 §2.2.3: unfolding removes each CRLF that is followed by white space
        for (String field : header.replaceAll("\r\n(?=[ \t])", "").split("\r\n")) {
            int colon = field.indexOf(':');
            if (colon <= 0) throw new AssertionError("not a field: " + field);
            String value = field.substring(colon + 1);
            fields.computeIfAbsent(field.substring(0, colon).toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                    .add(value.startsWith(" ") ? value.substring(1) : value);
        }
        body = new byte[message.length - end - 4];
        System.arraycopy(message, end + 4, body, 0, body.length);
    }

    /** The only field of that name; fails when there is none or several. */
    public String field(String name) {
        List<String> v = fields.get(name.toLowerCase(Locale.ROOT));
        if (v == null || v.size() != 1) throw new AssertionError(name + ": " + v);
        return v.getFirst();
    }

    /** RFC 2047 §6: the encoded words decoded, the white space between two adjacent ones dropped. */
    public static String decodeWords(String value) {
        StringBuilder out = new StringBuilder();
        Matcher m = ENCODED_WORD.matcher(value);
        int last = 0;
        boolean previousEncoded = false;
        while (m.find()) {
            String between = value.substring(last, m.start());
            if (!(previousEncoded && between.isBlank())) out.append(between);
            if (!m.group(2).equalsIgnoreCase("B")) throw new AssertionError("not B: " + m.group());
            try {
                out.append(new BCodec().decode(m.group()));
            } catch (DecoderException e) {
                throw new AssertionError(e);
            }
            if (m.group().length() > 75) throw new AssertionError("an encoded word longer than 75: " + m.group());
            last = m.end();
            previousEncoded = true;
        }
        return out.append(value.substring(last)).toString();
    }

    /** The media type's parameter, unquoted. */
    public static String parameter(String contentType, String name) {
        Matcher m = Pattern.compile(";\\s*" + name + "=(\"([^\"]*)\"|[^;\\s]+)", Pattern.CASE_INSENSITIVE).matcher(contentType);
        if (!m.find()) throw new AssertionError("no " + name + " in " + contentType);
        return m.group(2) != null ? m.group(2) : m.group(1);
    }

    /** The parts of a multipart body (RFC 2046 §5.1.1), each read as a message of its own; the closing delimiter must be there. */
    public List<ParsedMessage> parts() {
        String boundary = parameter(field("Content-Type"), "boundary");
        String text = new String(body, StandardCharsets.ISO_8859_1);
        String delimiter = "--" + boundary;
        if (!text.startsWith(delimiter + "\r\n")) throw new AssertionError("the body does not start with the first delimiter");
        if (!text.endsWith("\r\n" + delimiter + "--\r\n")) throw new AssertionError("no closing delimiter");
        String inner = text.substring(delimiter.length() + 2, text.length() - delimiter.length() - 6);
        List<ParsedMessage> parts = new ArrayList<>();
        for (String part : inner.split(Pattern.quote("\r\n" + delimiter + "\r\n"), -1))
            parts.add(new ParsedMessage(part.getBytes(StandardCharsets.ISO_8859_1)));
        return parts;
    }

    /** The body decoded as its Content-Transfer-Encoding says, as UTF-8 text. */
    public String text() {
        String encoding = field("Content-Transfer-Encoding").strip().toLowerCase(Locale.ROOT);
        byte[] decoded = switch (encoding) {
            case "7bit", "8bit" -> body;
            case "base64" -> Base64.getMimeDecoder().decode(body);
            case "quoted-printable" -> quotedPrintable(new String(body, StandardCharsets.US_ASCII));
            default -> throw new AssertionError("encoding " + encoding);
        };
        return new String(decoded, StandardCharsets.UTF_8);
    }

    /**
     * RFC 2045 §6.7, line by line: commons-codec decodes the escapes and soft breaks of a line but
     * drops hard line breaks, so they are put back here. Each line is checked too: at most 76
     * characters, no white space at its end (rule 3).
     */
    private static byte[] quotedPrintable(String body) {
        var out = new ByteArrayOutputStream();
        String[] lines = body.split("\r\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (line.length() > 76) throw new AssertionError("a quoted-printable line of " + line.length());
            if (line.endsWith(" ") || line.endsWith("\t")) throw new AssertionError("white space at the end of a quoted-printable line");
            boolean soft = line.endsWith("=");
            try {
                out.writeBytes(QuotedPrintableCodec.decodeQuotedPrintable((soft ? line.substring(0, line.length() - 1) : line)
                        .getBytes(StandardCharsets.US_ASCII)));
            } catch (DecoderException e) {
                throw new AssertionError(e);
            }
            if (!soft && i < lines.length - 1) out.writeBytes(new byte[] {'\r', '\n'});
        }
        return out.toByteArray();
    }
}
