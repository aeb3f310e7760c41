package dev.facteur.smtp;

import java.util.Locale;
import java.util.Set;

/**
 * What the submission server fixes in a message from a user who logged in (RFC 6409 §8): a
 * {@code Date:} and a {@code Message-ID:} when the client wrote none (§8.2, §8.3), addresses
 * without a domain in the address fields qualified with the user's domain (§8.4), and the
 * {@code Bcc:} fields removed, which would tell every recipient who else got the message. Then
 * the routing's own rewriting, if any. Header text is raw bytes, one char each.
 */
final class SubmissionHeaders implements AddressPolicy.HeaderRewrite {

    private static final Set<String> ADDRESS_FIELDS = Set.of("from", "sender", "reply-to", "to", "cc", "resent-from", "resent-to",
            "resent-cc", "resent-sender");

    private final AddressPolicy.HeaderRewrite routing;
    private final String domain;
    private final String date;
    private final String messageId;
    private boolean sawDate, sawMessageId;

    /**
     * @param routing   the routing's rewriting after this one, or null
     * @param domain    the domain for addresses that have none (the user's)
     * @param date      the {@code Date:} value to add when there is none (RFC 5322 date-time)
     * @param messageId the {@code Message-ID:} to add when there is none ({@code <...@...>})
     */
    SubmissionHeaders(AddressPolicy.HeaderRewrite routing, String domain, String date, String messageId) {
        this.routing = routing;
        this.domain = domain;
        this.date = date;
        this.messageId = messageId;
    }

    @Override
    public String rewrite(String name, String value) {
        String n = name.strip().toLowerCase(Locale.ROOT);
        if (n.equals("bcc")) return "";
        if (n.equals("date")) sawDate = true;
        if (n.equals("message-id")) sawMessageId = true;
        String v = ADDRESS_FIELDS.contains(n) ? qualified(value, domain) : value;
        if (routing != null) {
            String r = routing.rewrite(name, v);
            if (r != null) v = r;
        }
        return v.equals(value) ? null : v;
    }

    @Override
    public String added() {
        return (sawDate ? "" : "Date: " + date + "\r\n") + (sawMessageId ? "" : "Message-ID: " + messageId + "\r\n");
    }

    /**
     * {@code value} with {@code @domain} after each address that has no domain: an angle address
     * ({@code Alice <alice>}) or a bare word in the list ({@code To: bob, carol}); quoted
     * strings, comments, groups and folding as they were.
     */
    static String qualified(String value, String domain) {
        StringBuilder out = new StringBuilder(value.length() + 32);
        int element = 0; // where the current list element starts in out
        boolean angle = false, sawAt = false, sawAngle = false;
        int i = 0;
        while (i < value.length()) {
            char c = value.charAt(i);
            if (c == '"') {
                int end = skip(value, i, '"');
                out.append(value, i, end);
                i = end;
                continue;
            }
            if (c == '(') {
                int end = skipComment(value, i);
                out.append(value, i, end);
                i = end;
                continue;
            }
            if (c == '<') {
                angle = true;
                sawAngle = true;
                sawAt = false;
            } else if (c == '>' && angle) {
                if (!sawAt && out.charAt(out.length() - 1) != '<') out.append('@').append(domain);
                angle = false;
            } else if (c == '@') {
                sawAt = true;
            } else if ((c == ',' || c == ';') && !angle) {
                qualifyBare(out, element, sawAngle, sawAt, domain);
                out.append(c);
                element = out.length();
                sawAt = sawAngle = false;
                i++;
                continue;
            } else if (c == ':' && !angle) {
                element = out.length() + 1; // a group's name: its members follow
                sawAt = sawAngle = false;
            }
            out.append(c);
            i++;
        }
        qualifyBare(out, element, sawAngle, sawAt, domain);
        return out.toString();
    }

    /** A list element that is one bare word (no angle address, no @): the word gets the domain. */
    private static void qualifyBare(StringBuilder out, int from, boolean sawAngle, boolean sawAt, String domain) {
        if (sawAngle || sawAt) return;
        String element = out.substring(from);
        StringBuilder scan = new StringBuilder(element); // comments blanked out, same length
        for (int i = 0; i < scan.length(); i++) {
            if (scan.charAt(i) != '(') continue;
            int end = skipComment(element, i);
            for (int j = i; j < end; j++) scan.setCharAt(j, ' ');
            i = end - 1;
        }
        String word = scan.toString().strip();
        if (word.isEmpty() || !word.matches("[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+")) return;
        out.insert(from + scan.indexOf(word) + word.length(), "@" + domain);
    }

    private static int skip(String s, int start, char close) {
        for (int i = start + 1; i < s.length(); i++) {
            if (s.charAt(i) == '\\') i++;
            else if (s.charAt(i) == close) return i + 1;
        }
        return s.length();
    }

    private static int skipComment(String s, int start) {
        int depth = 0;
        for (int i = start; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\') i++;
            else if (c == '(') depth++;
            else if (c == ')' && --depth == 0) return i + 1;
        }
        return s.length();
    }
}
