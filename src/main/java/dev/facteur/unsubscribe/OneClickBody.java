package dev.facteur.unsubscribe;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Whether the body of a POST is RFC 8058's one-click request: the key/value pair
 * {@code List-Unsubscribe=One-Click} (§3.1), sent as {@code multipart/form-data} (RFC 7578,
 * what §3.2 says a mail receiver SHOULD send) or {@code application/x-www-form-urlencoded}
 * (what it MAY send, and what Gmail sends). Bytes in, a yes or no out: it never throws, whatever
 * a client sends.
 */
final class OneClickBody {

    static final String KEY = "List-Unsubscribe";
    static final String VALUE = "One-Click";

    private OneClickBody() {}

    /** @param contentType the request's {@code Content-Type}, null when it had none (read as a form) */
    static boolean isOneClick(String contentType, byte[] body) {
        String type = contentType == null ? "" : contentType.strip().toLowerCase(Locale.ROOT);
        if (type.startsWith("multipart/form-data")) return multipart(boundary(contentType), body);
        return urlEncoded(new String(body, StandardCharsets.ISO_8859_1));
    }

    /** {@code a=b&c=d}: any pair is the one (WHATWG's form encoding, which RFC 8058 means by x-www-form-urlencoded). */
    private static boolean urlEncoded(String form) {
        for (String pair : form.strip().split("&")) {
            int eq = pair.indexOf('=');
            if (eq < 0) continue;
            if (decoded(pair.substring(0, eq)).equals(KEY) && decoded(pair.substring(eq + 1)).equals(VALUE)) return true;
        }
        return false;
    }

    private static String decoded(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return ""; // a stray %: not the pair
        }
    }

    /** The boundary parameter of a multipart type, unquoted; null when there is none. */
    static String boundary(String contentType) {
        for (String param : contentType.split(";")) {
            int eq = param.indexOf('=');
            if (eq < 0 || !param.substring(0, eq).strip().equalsIgnoreCase("boundary")) continue;
            String value = param.substring(eq + 1).strip();
            if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) value = value.substring(1, value.length() - 1);
            return value.isEmpty() || value.length() > 70 ? null : value; // RFC 2046 §5.1.1: 1 to 70 characters
        }
        return null;
    }

    /**
     * Whether a part {@code form-data; name="List-Unsubscribe"} holds {@code One-Click}: the parts
     * lie between {@code --BOUNDARY} lines (RFC 2046 §5.1.1), each a header, an empty line and
     * its content; the line end before the next delimiter belongs to the delimiter.
     */
    private static boolean multipart(String boundary, byte[] body) {
        if (boundary == null) return false;
        String text = new String(body, StandardCharsets.ISO_8859_1).replace("\r\n", "\n");
        String delimiter = "--" + boundary;
        String[] parts = ("\n" + text).split("\n" + Pattern.quote(delimiter), -1);
        for (int i = 1; i < parts.length; i++) { // parts[0] is the preamble
            String part = parts[i];
            if (part.startsWith("--")) break; // the close delimiter
            int lineEnd = part.indexOf('\n');
            int blank = part.indexOf("\n\n");
            if (lineEnd < 0 || blank < 0) continue;
            String header = part.substring(lineEnd + 1, blank + 1);
            String content = part.substring(blank + 2);
            if (named(header) && content.equals(VALUE)) return true;
        }
        return false;
    }

    /** Whether a part's header says {@code Content-Disposition: form-data; name="List-Unsubscribe"}. */
    private static boolean named(String header) {
        for (String line : header.split("\n")) {
            int colon = line.indexOf(':');
            if (colon < 0 || !line.substring(0, colon).strip().equalsIgnoreCase("Content-Disposition")) continue;
            String[] params = line.substring(colon + 1).split(";");
            if (!params[0].strip().equalsIgnoreCase("form-data")) return false;
            for (int i = 1; i < params.length; i++) {
                String p = params[i].strip();
                if (p.equalsIgnoreCase("name=\"" + KEY + "\"") || p.equalsIgnoreCase("name=" + KEY)) return true;
            }
        }
        return false;
    }
}
