package dev.facteur.bounce;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Reads {@code Name: value} fields from lines (line ends already removed), as header sections and
 * delivery-status groups are written: a field starts with a name of printable characters other
 * than the colon (RFC 5322 §3.6.8, with white space allowed before the colon as RFC 5322 §4.5
 * allows), and continues on lines that start with white space.
 */
final class FieldLines {

    private FieldLines() {}

    /** The fields read, and the index of the first line that was not part of them. */
    record Read(ReportFields fields, int next) {}

    /** The length of the field name that starts {@code line}, or -1 when the line starts no field. */
    static int nameLength(String line) {
        int i = 0;
        while (i < line.length() && i < 200) {
            char c = line.charAt(i);
            if (c == ':') break;
            if (c <= ' ' || c >= 127) {
                // white space may only come between the name and its colon
                int j = i;
                while (j < line.length() && (line.charAt(j) == ' ' || line.charAt(j) == '\t')) j++;
                return i > 0 && j < line.length() && line.charAt(j) == ':' ? i : -1;
            }
            i++;
        }
        return i > 0 && i < line.length() && line.charAt(i) == ':' ? i : -1;
    }

    static boolean isContinuation(String line) {
        return !line.isEmpty() && (line.charAt(0) == ' ' || line.charAt(0) == '\t') && !line.isBlank();
    }

    /**
     * Reads fields from {@code lines[from]} on. Stops before the first empty line, or the first
     * line that neither starts nor continues a field (a header whose empty line is missing), or
     * after {@code maxFields} fields.
     */
    static Read read(List<String> lines, int from, int maxFields) {
        return read(lines, from, maxFields, false);
    }

    /**
     * The same; when {@code unindentedContinues}, a line that is neither empty nor a field
     * continues the field before it, as in delivery-status groups whose writer forgot to indent a
     * long Diagnostic-Code. Either way, a line after a field that ends with ";" continues it when
     * it is a MIME parameter ({@code boundary="..."}), folded without its white space.
     */
    static Read read(List<String> lines, int from, int maxFields, boolean unindentedContinues) {
        List<ReportFields.Field> fields = new ArrayList<>();
        int i = from;
        String name = null;
        StringBuilder value = null;
        while (i < lines.size()) {
            String line = lines.get(i);
            boolean continues = name != null && (isContinuation(line)
                    || nameLength(line) < 0 && !line.isBlank() && (unindentedContinues || endsWithSemicolon(value) && PARAMETER.matcher(line).lookingAt()));
            if (continues) {
                if (value.length() < MAX_VALUE) value.append(line.isEmpty() || line.charAt(0) == ' ' || line.charAt(0) == '\t' ? line : " " + line);
                i++;
                continue;
            }
            int n = nameLength(line);
            if (n < 0 || fields.size() + (name == null ? 0 : 1) >= maxFields) break;
            if (name != null) fields.add(new ReportFields.Field(name, value.toString().strip()));
            name = line.substring(0, n);
            value = new StringBuilder(line.substring(line.indexOf(':', n) + 1));
            i++;
        }
        if (name != null) fields.add(new ReportFields.Field(name, value.toString().strip()));
        return new Read(new ReportFields(fields), i);
    }

    private static final Pattern PARAMETER = Pattern.compile("[A-Za-z0-9_.*-]+\\s*=");

    private static boolean endsWithSemicolon(StringBuilder value) {
        for (int i = value.length() - 1; i >= 0; i--) {
            char c = value.charAt(i);
            if (c != ' ' && c != '\t') return c == ';';
        }
        return false;
    }

    /** A value longer than this is cut: no field a report needs is this long, and garbage can be. */
    static final int MAX_VALUE = 16 * 1024;

    /** Splits text at its line ends (LF, CRLF or a lone CR). */
    static List<String> lines(String text) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\n' || c == '\r') {
                out.add(text.substring(start, i));
                if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') i++;
                start = i + 1;
            }
        }
        if (start < text.length()) out.add(text.substring(start));
        return out;
    }
}
