package dev.facteur.mime;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.random.RandomGenerator;

/**
 * Writes a new message (RFC 5322 with the MIME of RFC 2045-2047): {@code From}, the given fields,
 * {@code Date}, {@code Message-ID}, then a text/plain or text/html body, or both as
 * multipart/alternative (RFC 2046 §5.1.4, plain text first: the last part is the richest). Bodies
 * are UTF-8 and go out 7bit when they are ASCII with lines that fit, else quoted-printable, or
 * base64 when more than a third of the octets are not ASCII (it is shorter then). Header words
 * outside ASCII become encoded words; fields are folded at spaces to stay within 76 characters
 * where they can.
 * The whole message is 7-bit unless an address is not ASCII (RFC 6532: then it needs SMTPUTF8).
 */
public final class Composer {

    /**
     * What the message says: text, html or both (not neither), and the fields after {@code From}
     * in the order given (To, Subject, and whatever else). Text values hold no line breaks.
     */
    public record Draft(NamedAddress from, List<Field> fields, String text, String html) {
        public Draft {
            if (text == null && html == null) throw new IllegalArgumentException("a message needs a text or an html body");
            fields = List.copyOf(fields);
        }
    }

    /** A header field this composer writes. */
    public sealed interface Field {
        String name();

        /** Unstructured text (RFC 5322 §3.2.5), or a structured value the caller wrote whole (ASCII). */
        record Text(String name, String value) implements Field {}

        /** An address list (RFC 5322 §3.4): To, Cc, Reply-To. */
        record Addresses(String name, List<NamedAddress> addresses) implements Field {}
    }

    /**
     * The message, its lines ending in CRLF; its {@code Message-ID} with the angle brackets; and
     * whether an address in its header is not ASCII (the transaction needs SMTPUTF8).
     */
    public record Composed(byte[] content, String messageId, boolean utf8Header) {}

    /**
     * RFC 5322 §2.1.1: lines SHOULD stay within 78 characters, and MUST within 998; RFC 2047 §2
     * holds a line with encoded words to 76. All fields fold at 76, which satisfies both.
     */
    private static final int FOLD_AT = 76;
    /** RFC 5322 §2.1.1: no line longer than this many octets, its CRLF not counted. */
    public static final int MAX_LINE = 998;
    /** Longer than this, an unstructured word goes as encoded words, which can be split anywhere. */
    private static final int MAX_WORD = MAX_LINE - 100;
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss xx", Locale.ROOT);
    private static final byte[] CRLF = {'\r', '\n'};

    private final String hostname;
    private final Clock clock;
    private final RandomGenerator random;

    /**
     * @param hostname the right side of each {@code Message-ID} (RFC 5322 §3.6.4: a name the
     *                 sender controls keeps it unique)
     * @param random   for message ids and boundaries; a {@code SecureRandom} outside tests, so that
     *                 neither can be guessed
     */
    public Composer(String hostname, Clock clock, RandomGenerator random) {
        this.hostname = hostname;
        this.clock = clock;
        this.random = random;
    }

    /** RFC 5322 §3.6.8: a field name is one or more printable ASCII characters other than the colon. */
    public static boolean isFieldName(String name) {
        if (name.isEmpty()) return false;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 33 || c > 126 || c == ':') return false;
        }
        return true;
    }

    public Composed compose(Draft draft) {
        StringBuilder h = new StringBuilder(512);
        boolean utf8 = draft.from().isInternationalized();
        h.append(addresses("From", List.of(draft.from())));
        for (Field f : draft.fields()) {
            h.append(write(f));
            if (f instanceof Field.Addresses a) for (NamedAddress n : a.addresses()) utf8 |= n.isInternationalized();
        }
        String messageId = messageId();
        h.append("Date: ").append(date()).append("\r\n");
        h.append("Message-ID: ").append(messageId).append("\r\n");
        h.append("MIME-Version: 1.0\r\n");

        var out = new ByteArrayOutputStream();
        List<Part> parts = new ArrayList<>(2);
        if (draft.text() != null) parts.add(Part.of("plain", draft.text()));
        if (draft.html() != null) parts.add(Part.of("html", draft.html()));
        if (parts.size() == 1) {
            Part p = parts.getFirst();
            h.append(p.header()).append("\r\n");
            out.writeBytes(h.toString().getBytes(StandardCharsets.UTF_8));
            out.writeBytes(p.body());
        } else {
            String boundary = boundary(parts);
            h.append("Content-Type: multipart/alternative; boundary=\"").append(boundary).append("\"\r\n\r\n");
            out.writeBytes(h.toString().getBytes(StandardCharsets.UTF_8));
            // RFC 2046 §5.1.1: the CRLF before each delimiter is the delimiter's; a part's own last line end stays its own
            String delimiter = "--" + boundary + "\r\n";
            for (Part p : parts) {
                out.writeBytes((delimiter + p.header() + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.writeBytes(p.body());
                delimiter = "\r\n--" + boundary + "\r\n";
            }
            out.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
        }
        return new Composed(out.toByteArray(), messageId, utf8);
    }

    /** A new {@code Message-ID} (RFC 5322 §3.6.4), angle brackets included: 128 random bits at the hostname. */
    public String messageId() {
        return "<" + HexFormat.of().formatHex(bytes(16)) + "@" + hostname + ">";
    }

    /** Now, as a {@code Date} field says it (RFC 5322 §3.3), in the clock's zone. */
    public String date() {
        return DATE.format(ZonedDateTime.now(clock));
    }

    /** One field as {@link #compose} writes it, folded, ending with CRLF. */
    public static String write(Field f) {
        if (!isFieldName(f.name())) throw new IllegalArgumentException("not a field name (RFC 5322 §3.6.8): " + f.name());
        return switch (f) {
            case Field.Text t -> unstructured(t.name(), t.value());
            case Field.Addresses a -> addresses(a.name(), a.addresses());
        };
    }

    /**
     * RFC 2046 §5.1.1: the boundary may not occur in any part. Quoted-printable and base64 never
     * write "=_"; a 7bit part could, so it is looked for there.
     */
    private String boundary(List<Part> parts) {
        while (true) {
            String b = "=_" + HexFormat.of().formatHex(bytes(12));
            byte[] delimiter = ("--" + b).getBytes(StandardCharsets.US_ASCII);
            if (parts.stream().noneMatch(p -> indexOf(p.body(), delimiter) >= 0)) return b;
        }
    }

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    /**
     * A text value, folded at its spaces. Its words that cannot go as they are (not ASCII, too
     * long for a line, or looking like an encoded word) go as encoded words (RFC 2047 §5(1)), each
     * run of them together, the spaces inside the run encoded with it: a reader drops the white
     * space between two encoded words (§6.2), so two runs are always apart by a visible plain word.
     */
    static String unstructured(String name, String value) {
        String v = value.strip();
        if (v.isEmpty()) return name + ":\r\n";
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '\r' || c == '\n') throw new IllegalArgumentException(name + ": a line break in a header value");
        }
        String[] words = v.split(" ", -1);
        List<String> out = new ArrayList<>(words.length);
        for (int i = 0; i < words.length; ) {
            if (!needsEncoding(words[i])) {
                out.add(words[i++]);
                continue;
            }
            // the run goes on over words that need encoding and over white space (two spaces in a row, a tab): only a
            // word with something visible in it keeps two encoded words apart
            int end = i + 1;
            while (end < words.length && (words[end].isBlank() || needsEncoding(words[end]))) end++;
            // the first encoded word fits beside "Name: " when there is room for a few characters; else it starts the next line
            int first = out.isEmpty() ? FOLD_AT - name.length() - 2 : 0;
            out.addAll(EncodedWords.encode(String.join(" ", List.of(words).subList(i, end)), first >= 24 ? first : EncodedWords.MAX_LENGTH));
            i = end;
        }
        return folded(name, out);
    }

    private static boolean needsEncoding(String word) {
        return !EncodedWords.isPlainAscii(word) || word.length() > MAX_WORD || word.contains("=?");
    }

    static String addresses(String name, List<NamedAddress> list) {
        List<String> words = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            List<String> w = new ArrayList<>(list.get(i).words());
            if (i < list.size() - 1) w.set(w.size() - 1, w.getLast() + ",");
            words.addAll(w);
        }
        return folded(name, words);
    }

    /**
     * {@code Name: word word ...}, each word after a space, or after a fold (CRLF and the space:
     * RFC 5322 §2.2.3) when the line would pass 76 characters and the word fits the next line
     * better. Unfolding gives back the words separated by single spaces.
     */
    static String folded(String name, List<String> words) {
        StringBuilder sb = new StringBuilder(name).append(':');
        int line = sb.length();
        boolean first = true;
        for (String w : words) {
            if (line > 1 && line + 1 + w.length() > FOLD_AT && (!first || 1 + w.length() <= FOLD_AT)) {
                sb.append("\r\n ");
                line = 1;
            } else {
                sb.append(' ');
                line++;
            }
            sb.append(w);
            line += w.length();
            first = false;
        }
        return sb.append("\r\n").toString();
    }

    /** One text part: its Content-Type and Content-Transfer-Encoding lines, and its encoded body ending with CRLF. */
    record Part(String header, byte[] body) {

        static Part of(String subtype, String text) {
            byte[] utf8 = lines(text).getBytes(StandardCharsets.UTF_8);
            String encoding = encodingFor(utf8);
            byte[] body = switch (encoding) {
                case "7bit" -> utf8;
                case "base64" -> {
                    var b = new ByteArrayOutputStream();
                    b.writeBytes(Base64.getMimeEncoder(76, CRLF).encode(utf8));
                    b.writeBytes(CRLF);
                    yield b.toByteArray();
                }
                default -> {
                    var b = new ByteArrayOutputStream(utf8.length + utf8.length / 4);
                    QuotedPrintable.encode(utf8, 0, utf8.length, b);
                    yield b.toByteArray();
                }
            };
            return new Part("Content-Type: text/" + subtype + "; charset=utf-8\r\nContent-Transfer-Encoding: " + encoding + "\r\n", body);
        }

        /**
         * RFC 2045 §2.7: 7bit is ASCII without NUL, in lines of at most 998 octets. Otherwise
         * quoted-printable keeps mostly-ASCII text readable; base64 is shorter when more than a
         * third of the octets are not ASCII (each costs 3 in quoted-printable, 4/3 in base64).
         */
        static String encodingFor(byte[] b) {
            int high = 0, line = 0;
            boolean sevenBit = true;
            for (int i = 0; i < b.length; i++) {
                byte c = b[i];
                if (c < 0) high++;
                if (c < 0 || c == 0) sevenBit = false;
                if (c == '\r' && i + 1 < b.length && b[i + 1] == '\n') {
                    line = 0;
                    i++;
                } else if (++line > MAX_LINE) {
                    sevenBit = false;
                }
            }
            if (sevenBit) return "7bit";
            return high * 3 > b.length ? "base64" : "quoted-printable";
        }
    }

    /** The text with CRLF line ends (a lone CR or LF is a line end too), ending with one; empty text is one empty line. */
    static String lines(String text) {
        StringBuilder sb = new StringBuilder(text.length() + 64);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\r' || c == '\n') {
                sb.append("\r\n");
                if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') i++;
            } else {
                sb.append(c);
            }
        }
        if (sb.length() < 2 || sb.charAt(sb.length() - 1) != '\n') sb.append("\r\n");
        return sb.toString();
    }

    static int indexOf(byte[] b, byte[] v) {
        outer:
        for (int i = 0; i + v.length <= b.length; i++) {
            for (int j = 0; j < v.length; j++) if (b[i + j] != v[j]) continue outer;
            return i;
        }
        return -1;
    }
}
