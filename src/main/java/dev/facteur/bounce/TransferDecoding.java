package dev.facteur.bounce;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Undoes a Content-Transfer-Encoding (RFC 2045 §6: base64, quoted-printable; anything else is
 * the bytes as they are) and turns text bytes into characters. Leniently: bounces are written by
 * every kind of software, so a character outside the alphabet is skipped rather than refused.
 */
final class TransferDecoding {

    private TransferDecoding() {}

    static byte[] decode(byte[] b, int from, int to, String encoding) {
        String e = encoding == null ? "" : encoding.strip().toLowerCase(Locale.ROOT);
        return switch (e) {
            case "base64" -> base64(b, from, to);
            case "quoted-printable" -> quotedPrintable(b, from, to);
            default -> Arrays.copyOfRange(b, from, to);
        };
    }

    /** RFC 2045 §6.8, skipping every character outside the alphabet (§6.8 says to ignore them) and stopping at the padding. */
    static byte[] base64(byte[] b, int from, int to) {
        var out = new ByteArrayOutputStream((to - from) * 3 / 4 + 3);
        int bits = 0, count = 0;
        for (int i = from; i < to; i++) {
            int v = sextet(b[i]);
            if (b[i] == '=') break;
            if (v < 0) continue;
            bits = (bits << 6) | v;
            if (++count == 4) {
                out.write(bits >> 16);
                out.write(bits >> 8);
                out.write(bits);
                bits = 0;
                count = 0;
            }
        }
        if (count == 2) out.write(bits >> 4);
        if (count == 3) {
            out.write(bits >> 10);
            out.write(bits >> 2);
        }
        return out.toByteArray();
    }

    private static int sextet(byte c) {
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= 'a' && c <= 'z') return c - 'a' + 26;
        if (c >= '0' && c <= '9') return c - '0' + 52;
        if (c == '+') return 62;
        if (c == '/') return 63;
        return -1;
    }

    /** RFC 2045 §6.7: {@code =XX} octets and soft line breaks ({@code =} at the end of a line, white space allowed after it). */
    static byte[] quotedPrintable(byte[] b, int from, int to) {
        var out = new ByteArrayOutputStream(to - from);
        for (int i = from; i < to; i++) {
            byte c = b[i];
            if (c != '=') {
                out.write(c);
                continue;
            }
            int j = i + 1;
            while (j < to && (b[j] == ' ' || b[j] == '\t')) j++;
            if (j < to && (b[j] == '\n' || b[j] == '\r')) { // soft line break
                if (b[j] == '\r' && j + 1 < to && b[j + 1] == '\n') j++;
                i = j;
                continue;
            }
            if (j == to) { // "=" then white space at the very end: a soft break with the line end cut off
                i = j - 1;
                continue;
            }
            int hi = i + 2 < to ? Character.digit(b[i + 1], 16) : -1, lo = i + 2 < to ? Character.digit(b[i + 2], 16) : -1;
            if (hi >= 0 && lo >= 0) {
                out.write(hi << 4 | lo);
                i += 2;
            } else {
                out.write(c); // a lone "=": rule 1 says it should not be there; keep it as written
            }
        }
        return out.toByteArray();
    }

    /**
     * The characters of {@code bytes} in {@code charset}. Without a charset, or one the JDK does
     * not know, UTF-8 if the bytes are valid UTF-8 (RFC 6532 headers, RFC 6533 reports), else
     * ISO-8859-1, which maps every byte to a character and so loses nothing.
     */
    static String text(byte[] bytes, String charset) {
        Charset cs = charset(charset);
        // A part labelled US-ASCII that holds 8-bit bytes is common; ASCII is a subset of UTF-8.
        if (cs == null || cs.equals(StandardCharsets.US_ASCII)) return utf8OrLatin1(bytes);
        return decodeWith(cs, bytes);
    }

    private static String decodeWith(Charset cs, byte[] bytes) {
        try {
            return cs.newDecoder().onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException | RuntimeException e) { // REPLACE makes the first impossible; some decoders are less careful
            return utf8OrLatin1(bytes);
        }
    }

    static String utf8OrLatin1(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return new String(bytes, StandardCharsets.ISO_8859_1);
        }
    }

    /** Names looked up before, found or not: a lookup that fails costs an exception, and reports repeat their charsets. */
    private static final Map<String, Optional<Charset>> CHARSETS = new ConcurrentHashMap<>();
    private static final int MAX_CHARSETS = 256;

    private static Charset charset(String name) {
        if (name == null || name.isBlank()) return null;
        String key = name.strip().toLowerCase(Locale.ROOT);
        Optional<Charset> known = CHARSETS.get(key);
        if (known != null) return known.orElse(null);
        Optional<Charset> found;
        try {
            found = Optional.of(Charset.forName(key));
        } catch (RuntimeException e) { // illegal or unsupported name: the bytes decide
            found = Optional.empty();
        }
        if (CHARSETS.size() < MAX_CHARSETS) CHARSETS.put(key, found); // names from the wire: the cache stays small whatever they are
        return found.orElse(null);
    }
}
