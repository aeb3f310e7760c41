package dev.facteur.auth.spf;

import dev.facteur.auth.spf.SpfResult.Fail;
import dev.facteur.auth.spf.SpfResult.Neutral;
import dev.facteur.auth.spf.SpfResult.None;
import dev.facteur.auth.spf.SpfResult.Pass;
import dev.facteur.auth.spf.SpfResult.PermError;
import dev.facteur.auth.spf.SpfResult.SoftFail;
import dev.facteur.auth.spf.SpfResult.TempError;
import java.util.regex.Pattern;

/**
 * The header fields that record an SPF check: Received-SPF (RFC 7208 §9.1) and the {@code spf}
 * method result of Authentication-Results (RFC 8601 §2.7.2).
 *
 * <p>Everything in them that came from outside (the client's HELO and MAIL FROM, a domain's
 * record in a problem text) is reduced to printable ASCII and quoted, so it can neither end the
 * field (no CR or LF), nor add a key, nor close a comment early.
 */
public final class ReceivedSpf {

    private static final int LINE = 78;
    /** Keeps every line far below RFC 5322's 998 octets, however long a value is. */
    private static final int MAX_VALUE = 200;
    /** RFC 5322 §3.2.3 {@code dot-atom}: such values need no quotes. */
    private static final Pattern DOT_ATOM = Pattern.compile("[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*");
    /** A domain as an RFC 8601 {@code pvalue} writes it bare. */
    private static final Pattern DOMAIN = Pattern.compile("[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?");

    private ReceivedSpf() {}

    /**
     * §9.1: the whole Received-SPF field for {@code check}, as {@code receiver} (this host) writes
     * it: result, a comment in words, then receiver, client-ip, envelope-from, helo, identity,
     * and the mechanism that decided or the problem. Folded at 78 columns, without the final CRLF.
     */
    public static String field(SpfCheck check, String receiver) {
        String ip = IpAddresses.readable(IpAddresses.client(check.clientIp()));
        var value = new StringBuilder(check.result().keyword());
        value.append(" (").append(commentText(printable(receiver) + ": " + words(check, ip))).append(')');
        pair(value, "receiver", receiver);
        pair(value, "client-ip", ip);
        pair(value, "envelope-from", check.sender());
        pair(value, "helo", check.helo());
        pair(value, "identity", check.identity().keyword());
        switch (check.result()) {
            case Pass(String m) -> pair(value, "mechanism", m);
            case Fail(String m, String explanation) -> pair(value, "mechanism", m);
            case SoftFail(String m) -> pair(value, "mechanism", m);
            case Neutral(String m) -> pair(value, "mechanism", m);
            case TempError(String problem) -> pair(value, "problem", problem);
            case PermError(String problem) -> pair(value, "problem", problem);
            case None _ -> {}
        }
        return fold("Received-SPF: " + value);
    }

    /**
     * RFC 8601 §2.7.2: the {@code spf} method result for an Authentication-Results field, with
     * the property of the identity checked: {@code spf=pass smtp.mailfrom=example.org}.
     */
    public static String authenticationResult(SpfCheck check) {
        return switch (check.identity()) {
            case MAILFROM -> "spf=" + check.result().keyword() + " smtp.mailfrom=" + domainValue(check.domain());
            case HELO -> "spf=" + check.result().keyword() + " smtp.helo=" + domainValue(check.helo());
        };
    }

    /** The comment's sentence, after §9.1's examples. */
    private static String words(SpfCheck check, String ip) {
        String of = "domain of " + printable(check.sender());
        return switch (check.result()) {
            case Pass _ -> of + " designates " + ip + " as permitted sender";
            case Fail _ -> of + " does not designate " + ip + " as permitted sender";
            case SoftFail _ -> "domain of transitioning " + printable(check.sender()) + " does not designate " + ip + " as permitted sender";
            case Neutral _ -> ip + " is neither permitted nor denied by " + of;
            case None _ -> of + " does not designate permitted sender hosts";
            case TempError _ -> "temporary error in processing during lookup of " + of;
            case PermError _ -> "permanent error in processing " + of;
        };
    }

    /** {@code ; key=value}, the value bare when it is a dot-atom, else a quoted-string (§9.1's ABNF). */
    private static void pair(StringBuilder sb, String key, String value) {
        sb.append(sb.charAt(sb.length() - 1) == ')' ? " " : "; ").append(key).append('=').append(atomOrQuoted(value));
    }

    private static String atomOrQuoted(String raw) {
        String value = printable(raw);
        if (DOT_ATOM.matcher(value).matches()) return value;
        return '"' + value.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    private static String domainValue(String raw) {
        String value = printable(raw);
        return DOMAIN.matcher(value).matches() ? value : '"' + value.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    /** RFC 5322 §3.2.2 {@code ctext}: parentheses and backslashes become quoted-pairs. */
    private static String commentText(String text) {
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)");
    }

    /**
     * Printable ASCII only (other characters become "?"), at most {@link #MAX_VALUE} of them:
     * no CR or LF can reach the header, and no line grows past the limits.
     */
    private static String printable(String raw) {
        if (raw == null) return "";
        var sb = new StringBuilder(Math.min(raw.length(), MAX_VALUE + 3));
        for (int i = 0; i < raw.length() && sb.length() < MAX_VALUE; i++) {
            char c = raw.charAt(i);
            sb.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        if (raw.length() > MAX_VALUE) sb.append("...");
        return sb.toString();
    }

    /**
     * Folds at spaces (RFC 5322 §2.2.3): a space that would pass column 78 becomes CRLF and that
     * space, so that unfolding gives back exactly the same text, inside quotes and comments too.
     */
    private static String fold(String field) {
        var out = new StringBuilder(field.length() + 16);
        int lineStart = 0;
        int lastSpace = -1;
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == ' ' && i > "Received-SPF:".length()) {
                if (out.length() - lineStart > LINE && lastSpace > lineStart) {
                    out.insert(lastSpace, "\r\n");
                    lineStart = lastSpace + 2;
                }
                lastSpace = out.length();
            }
            out.append(c);
        }
        if (out.length() - lineStart > LINE && lastSpace > lineStart) out.insert(lastSpace, "\r\n");
        return out.toString();
    }
}
