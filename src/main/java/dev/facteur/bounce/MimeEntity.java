package dev.facteur.bounce;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One MIME entity of a report (RFC 2045, RFC 2046): its header fields, its media type with the
 * parameters, its body decoded on demand, and for a multipart its parts. Works on content whose
 * lines end with LF only ({@link #lineEndsToLf}), so that bounces written with CRLF, LF or a mix
 * of both read the same. Bounded by a {@link Budget} shared by the whole reading: so many parts,
 * so deep, whatever the content says.
 */
final class MimeEntity {

    /** How many parts may still be read, and how deep: one per reading of a message. */
    static final class Budget {
        private int partsLeft;
        private final int maxDepth;

        Budget(int maxParts, int maxDepth) {
            this.partsLeft = maxParts;
            this.maxDepth = maxDepth;
        }
    }

    private static final int MAX_HEADER_LINES = 2000;
    private static final int MAX_HEADER_FIELDS = 500;

    final ReportFields header;
    /** {@code type/subtype} in lower case; {@code text/plain} when absent or unreadable (RFC 2045 §5.2). */
    final String type;
    private final Map<String, String> params;
    private final byte[] content;
    private final int bodyStart, bodyEnd, depth;
    private final Budget budget;
    private List<MimeEntity> parts;
    private byte[] body;
    private String text;

    private MimeEntity(ReportFields header, String type, Map<String, String> params, byte[] content, int bodyStart, int bodyEnd,
            int depth, Budget budget) {
        this.header = header;
        this.type = type;
        this.params = params;
        this.content = content;
        this.bodyStart = bodyStart;
        this.bodyEnd = bodyEnd;
        this.depth = depth;
        this.budget = budget;
    }

    /** Reads a whole message whose lines end with LF. */
    static MimeEntity read(byte[] lfContent, Budget budget) {
        return read(lfContent, 0, lfContent.length, "text/plain", 0, budget);
    }

    private static MimeEntity read(byte[] c, int start, int end, String defaultType, int depth, Budget budget) {
        List<String> lines = new ArrayList<>();
        List<Integer> starts = new ArrayList<>();
        int pos = start;
        while (pos < end && lines.size() < MAX_HEADER_LINES) {
            int lf = indexOf(c, (byte) '\n', pos, end);
            int lineEnd = lf < 0 ? end : lf;
            starts.add(pos);
            String line = TransferDecoding.utf8OrLatin1(Arrays.copyOfRange(c, pos, Math.min(lineEnd, pos + FieldLines.MAX_VALUE)));
            lines.add(line);
            pos = lf < 0 ? end : lf + 1;
            if (line.isEmpty()) break;
        }
        FieldLines.Read read = FieldLines.read(lines, 0, MAX_HEADER_FIELDS);
        int bodyStart;
        if (read.next() >= lines.size()) bodyStart = pos;
        else if (lines.get(read.next()).isEmpty()) bodyStart = read.next() + 1 < starts.size() ? starts.get(read.next() + 1) : pos;
        else bodyStart = starts.get(read.next()); // no empty line: the body starts at the first line that is no field
        ReportFields header = read.fields();
        String contentType = header.first("Content-Type").orElse(null);
        Map<String, String> params = contentType == null ? Map.of() : parameters(contentType);
        String type = contentType == null ? defaultType : mediaType(contentType);
        return new MimeEntity(header, type, params, c, Math.min(bodyStart, end), end, depth, budget);
    }

    String param(String name) {
        return params.get(name);
    }

    boolean isMultipart() {
        return type.startsWith("multipart/");
    }

    /** A message inside this one (RFC 2046 §5.2, RFC 6532 §3.7 message/global). */
    boolean isMessage() {
        return type.equals("message/rfc822") || type.equals("message/global");
    }

    /** The parts of a multipart, read on first use; none for other types, past the budget, or without a boundary found. */
    List<MimeEntity> parts() {
        if (parts == null) parts = isMultipart() ? split() : List.of();
        return parts;
    }

    private List<MimeEntity> split() {
        String boundary = params.get("boundary");
        if (boundary == null || boundary.isEmpty() || depth >= budget.maxDepth) return List.of();
        byte[] delimiter = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        String partType = type.equals("multipart/digest") ? "message/rfc822" : "text/plain"; // RFC 2046 §5.1.5
        List<MimeEntity> out = new ArrayList<>();
        int partStart = -1;
        int pos = bodyStart;
        while (pos < bodyEnd) {
            int lf = indexOf(content, (byte) '\n', pos, bodyEnd);
            int lineEnd = lf < 0 ? bodyEnd : lf;
            int kind = delimiterKind(pos, lineEnd, delimiter);
            if (kind != 0) {
                if (partStart >= 0 && !addPart(out, partStart, Math.max(partStart, pos - 1), partType)) return out;
                if (kind == 2) return out; // the close delimiter: what follows is the epilogue
                partStart = lf < 0 ? bodyEnd : lf + 1;
            }
            pos = lf < 0 ? bodyEnd : lf + 1;
        }
        if (partStart >= 0) addPart(out, partStart, bodyEnd, partType); // no close delimiter: a cut message
        return out;
    }

    private boolean addPart(List<MimeEntity> out, int from, int to, String partType) {
        if (budget.partsLeft <= 0) return false;
        budget.partsLeft--;
        out.add(read(content, from, to, partType, depth + 1, budget));
        return true;
    }

    /**
     * 1 for {@code --boundary}, 2 for {@code --boundary--}, white space allowed after either (RFC
     * 2046 §5.1.1), and before, where the RFC allows none but some bounces put a space: a
     * boundary is chosen so as not to occur in the content, so an indented one is still one.
     */
    private int delimiterKind(int from, int to, byte[] delimiter) {
        while (from < to && (content[from] == ' ' || content[from] == '\t')) from++;
        if (to - from < delimiter.length) return 0;
        for (int i = 0; i < delimiter.length; i++) if (content[from + i] != delimiter[i]) return 0;
        int i = from + delimiter.length;
        int kind = 1;
        if (i + 2 <= to && content[i] == '-' && content[i + 1] == '-') {
            kind = 2;
            i += 2;
        }
        for (; i < to; i++) if (content[i] != ' ' && content[i] != '\t') return 0;
        return kind;
    }

    /** The body with its Content-Transfer-Encoding undone. */
    byte[] body() {
        if (body == null) body = TransferDecoding.decode(content, bodyStart, bodyEnd, header.first("Content-Transfer-Encoding").orElse(null));
        return body;
    }

    /** The body as text in its charset. */
    String text() {
        if (text == null) text = TransferDecoding.text(body(), params.get("charset"));
        return text;
    }

    /** For a message part: the message it holds, read with the same budget; null past the depth allowed. */
    MimeEntity enclosed() {
        if (depth >= budget.maxDepth) return null;
        byte[] b = lineEndsToLf(body());
        return read(b, 0, b.length, "text/plain", depth + 1, budget);
    }

    /** This entity and, for a multipart, every entity inside it, depth first; messages inside are not entered. */
    List<MimeEntity> walk() {
        List<MimeEntity> out = new ArrayList<>();
        walk(out);
        return out;
    }

    private void walk(List<MimeEntity> out) {
        out.add(this);
        for (MimeEntity p : parts()) p.walk(out);
    }

    /** The bytes with CRLF and lone CR made LF. */
    static byte[] lineEndsToLf(byte[] b) {
        byte[] out = new byte[b.length];
        int n = 0;
        for (int i = 0; i < b.length; i++) {
            if (b[i] == '\r') {
                out[n++] = '\n';
                if (i + 1 < b.length && b[i + 1] == '\n') i++;
            } else {
                out[n++] = b[i];
            }
        }
        return n == b.length ? out : Arrays.copyOf(out, n);
    }

    private static int indexOf(byte[] b, byte v, int from, int to) {
        for (int i = from; i < to; i++) if (b[i] == v) return i;
        return -1;
    }

    /** The {@code type/subtype} of a Content-Type value, in lower case; text/plain if it has none (RFC 2045 §5.2). */
    static String mediaType(String contentType) {
        int end = 0;
        while (end < contentType.length() && contentType.charAt(end) != ';' && !Character.isWhitespace(contentType.charAt(end))) end++;
        String t = contentType.substring(0, end).toLowerCase(Locale.ROOT);
        int slash = t.indexOf('/');
        return slash > 0 && slash < t.length() - 1 ? t : "text/plain";
    }

    /** The parameters of a Content-Type value (RFC 2045 §5.1), names in lower case, quoted values unquoted. */
    static Map<String, String> parameters(String contentType) {
        Map<String, String> out = new HashMap<>();
        int i = contentType.indexOf(';');
        while (i >= 0 && i < contentType.length()) {
            i++;
            int eq = contentType.indexOf('=', i);
            if (eq < 0) break;
            String name = contentType.substring(i, eq).strip().toLowerCase(Locale.ROOT);
            int v = eq + 1;
            while (v < contentType.length() && Character.isWhitespace(contentType.charAt(v))) v++;
            var value = new StringBuilder();
            if (v < contentType.length() && contentType.charAt(v) == '"') {
                v++;
                while (v < contentType.length() && contentType.charAt(v) != '"') {
                    char c = contentType.charAt(v);
                    if (c == '\\' && v + 1 < contentType.length()) c = contentType.charAt(++v);
                    value.append(c);
                    v++;
                }
                i = contentType.indexOf(';', v);
            } else {
                int end = contentType.indexOf(';', v);
                value.append(contentType, v, end < 0 ? contentType.length() : end);
                i = end;
                // A missing ";" before the next parameter is a common slip: keep the value to the first white space.
                int ws = 0;
                while (ws < value.length() && !Character.isWhitespace(value.charAt(ws))) ws++;
                value.setLength(ws);
            }
            // a name with white space in it is a lost parameter, e.g. "text/plain charset=x" without its ";"
            if (!name.isEmpty()) out.putIfAbsent(name.substring(name.lastIndexOf(' ') + 1), value.toString());
        }
        return out;
    }
}
