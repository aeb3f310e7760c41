package dev.facteur.auth;

import java.util.List;
import java.util.Locale;

/**
 * The {@code Authentication-Results:} header field (RFC 8601): what this server found about a
 * message's authenticity, under its authserv-id, for the readers after it (a mailbox filter, a
 * mail client). A field that claims our authserv-id but was not written by us is a forgery:
 * {@link #claims} finds it, so that it is removed before ours is added (§5).
 */
public final class AuthenticationResults {

    private AuthenticationResults() {}

    /**
     * The field, folded one method result per line, without its final CRLF: {@code resinfo}
     * holds one result each ({@code spf=pass smtp.mailfrom=example.org}); none gives
     * {@code none} (§2.2: no method was applied).
     */
    public static String field(String authservId, List<String> resinfo) {
        StringBuilder f = new StringBuilder("Authentication-Results: ").append(authservId).append(';');
        if (resinfo.isEmpty()) return f.append(" none").toString();
        for (int i = 0; i < resinfo.size(); i++) {
            f.append("\r\n\t").append(sanitize(resinfo.get(i)));
            if (i < resinfo.size() - 1) f.append(';');
        }
        return f.toString();
    }

    /**
     * Whether {@code value} (what follows the colon of an {@code Authentication-Results:}
     * field) names {@code authservId}: the first token, after comments and folding, compared
     * without case (§2.5: it is a domain name, or like one).
     */
    public static boolean claims(String value, String authservId) {
        String v = withoutComments(value).strip();
        int end = 0;
        while (end < v.length() && !Character.isWhitespace(v.charAt(end)) && v.charAt(end) != ';') end++;
        String id = v.substring(0, end);
        if (id.startsWith("\"") && id.endsWith("\"") && id.length() >= 2) id = id.substring(1, id.length() - 1);
        return id.toLowerCase(Locale.ROOT).equals(authservId.toLowerCase(Locale.ROOT));
    }

    /**
     * The method results of a field's value (what follows its colon): after the authserv-id, each
     * {@code resinfo} between semicolons, with folding made space; semicolons inside quoted
     * strings and comments do not split. "none" gives none.
     */
    public static List<String> resinfo(String value) {
        List<String> out = new java.util.ArrayList<>();
        StringBuilder cur = new StringBuilder();
        int depth = 0;
        boolean quoted = false, first = true;
        String v = value.replaceAll("\r\n(?=[ \t])", "");
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '\\' && i + 1 < v.length() && (quoted || depth > 0)) {
                cur.append(c).append(v.charAt(++i));
                continue;
            }
            if (c == '"' && depth == 0) quoted = !quoted;
            else if (c == '(' && !quoted) depth++;
            else if (c == ')' && !quoted && depth > 0) depth--;
            if (c == ';' && !quoted && depth == 0) {
                if (!first) add(out, cur);
                first = false;
                cur.setLength(0);
            } else {
                cur.append(c == '\t' ? ' ' : c);
            }
        }
        if (!first) add(out, cur);
        return out;
    }

    private static void add(List<String> out, StringBuilder resinfo) {
        String r = resinfo.toString().strip();
        if (!r.isEmpty() && !r.equalsIgnoreCase("none")) out.add(r);
    }

    /** A value as it can go into a header: no line breaks, no control characters (they may come from DNS or a peer). */
    public static String sanitize(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            out.append(c < 0x20 || c == 0x7f ? ' ' : c);
        }
        return out.toString();
    }

    /** RFC 5322 comments removed (nested, with quoted pairs), and folding made space. */
    private static String withoutComments(String s) {
        StringBuilder out = new StringBuilder(s.length());
        int depth = 0;
        boolean quoted = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length() && (depth > 0 || quoted)) {
                if (depth == 0) out.append(c).append(s.charAt(i + 1));
                i++;
            } else if (c == '"' && depth == 0) {
                quoted = !quoted;
                out.append(c);
            } else if (c == '(' && !quoted) {
                depth++;
                out.append(' ');
            } else if (c == ')' && !quoted && depth > 0) {
                depth--;
            } else if (depth == 0) {
                out.append(c == '\r' || c == '\n' || c == '\t' ? ' ' : c);
            }
        }
        return out.toString();
    }
}
