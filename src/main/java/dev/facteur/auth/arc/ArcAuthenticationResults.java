package dev.facteur.auth.arc;

import dev.facteur.auth.dkim.PermFail;
import dev.facteur.message.HeaderSection;

/**
 * An ARC-Authentication-Results field (RFC 8617 §4.1.1): the instance, then what an
 * Authentication-Results field (RFC 8601) holds: the sealer's authserv-id and its results.
 *
 * @param field      the field as the message carries it, name and CRLF included, one char per byte
 * @param authservId the authserv-id, as written
 * @param results    what follows the authserv-id's semicolon: the method results, unfolded
 */
public record ArcAuthenticationResults(String field, int instance, String authservId, String results) {

    public static final String FIELD_NAME = "arc-authentication-results";

    /**
     * Reads {@code field}. The instance tag must come first, ended by a semicolon: {@code i=1;
     * example.org; spf=pass ...}; the rest is not a tag list, so it is not read as one.
     */
    public static ArcAuthenticationResults parse(String field) throws PermFail {
        String value = HeaderSection.value(field);
        int n = skipWhiteSpace(value, 0);
        if (n >= value.length() || value.charAt(n) != 'i') throw new PermFail("does not start with i=");
        n = skipWhiteSpace(value, n + 1);
        if (n >= value.length() || value.charAt(n) != '=') throw new PermFail("does not start with i=");
        n = skipWhiteSpace(value, n + 1);
        int digits = n;
        while (n < value.length() && Character.isDigit(value.charAt(n))) n++;
        int instance = ArcTags.instance(value.substring(digits, n));
        n = skipWhiteSpace(value, n);
        if (n >= value.length() || value.charAt(n) != ';')
            throw new PermFail("i=" + instance + " is not followed by a semicolon");
        String payload = value.substring(n + 1);
        int id = skipComments(payload, 0);
        int end = id;
        while (end < payload.length() && " \t\r\n;(".indexOf(payload.charAt(end)) < 0) end++;
        if (end == id) throw new PermFail("i=" + instance + " has no authserv-id");
        int semicolon = payload.indexOf(';', end);
        String results = semicolon < 0 ? "" : payload.substring(semicolon + 1).replaceAll("[ \t]*\r\n[ \t]+", " ").strip();
        return new ArcAuthenticationResults(field, instance, payload.substring(id, end), results);
    }

    private static int skipWhiteSpace(String s, int n) {
        while (n < s.length() && " \t\r\n".indexOf(s.charAt(n)) >= 0) n++;
        return n;
    }

    /** White space and RFC 5322 comments (nested, with quoted pairs) skipped. */
    private static int skipComments(String s, int n) {
        int depth = 0;
        for (; n < s.length(); n++) {
            char c = s.charAt(n);
            if (depth > 0 && c == '\\') n++;
            else if (c == '(') depth++;
            else if (c == ')' && depth > 0) depth--;
            else if (depth == 0 && " \t\r\n".indexOf(c) < 0) return n;
        }
        return n;
    }
}
