package dev.facteur.delivery;

import java.util.Locale;

/**
 * The ORCPT parameter (RFC 3461 §4.2) as one transaction may carry it. An internationalized
 * original recipient is kept as RFC 6533 {@code utf-8-addr-unitext} (UTF-8 as it is); a server
 * gets that only in an SMTPUTF8 transaction. Any other gets the 7-bit {@code utf-8-addr-xtext},
 * each non-ASCII character as {@code \x{HEX}}: a command never carries 8-bit text otherwise.
 */
final class Orcpt {

    /** RFC 3461 §4.2 and RFC 6533 §3 both bound the value so. */
    static final int MAX_LENGTH = 500;

    private Orcpt() {}

    /** The value to send, or null when it cannot be sent as 7-bit text and is better left out. */
    static String forTransaction(String orcpt, boolean smtpUtf8) {
        if (smtpUtf8 || orcpt.chars().allMatch(c -> c < 0x80)) return orcpt;
        int semi = orcpt.indexOf(';');
        if (semi <= 0 || !orcpt.substring(0, semi).equalsIgnoreCase("utf-8")) return null; // 8-bit in xtext: not a value at all
        String xtext = "utf-8;" + xtext(orcpt.substring(semi + 1));
        return xtext.length() <= MAX_LENGTH ? xtext : null;
    }

    /**
     * RFC 6533 §3: QCHAR (printable ASCII but for {@code \ + =}) as it is, every other character
     * as {@code \x{HEX}}, upper case and without leading zeros; a {@code \x{...}} already there is
     * kept.
     */
    static String xtext(String unitext) {
        StringBuilder sb = new StringBuilder(unitext.length() + 16);
        for (int i = 0; i < unitext.length(); ) {
            int c = unitext.codePointAt(i);
            int escape = c == '\\' ? escapeLength(unitext, i) : 0;
            if (escape > 0) {
                sb.append(unitext, i, i + escape);
                i += escape;
                continue;
            }
            if (c >= 0x21 && c <= 0x7e && c != '\\' && c != '+' && c != '=') sb.append((char) c);
            else sb.append("\\x{").append(Integer.toHexString(c).toUpperCase(Locale.ROOT)).append('}');
            i += Character.charCount(c);
        }
        return sb.toString();
    }

    /** The length of a {@code \x{HEX}} at {@code i}, or 0. */
    private static int escapeLength(String s, int i) {
        if (!s.startsWith("\\x{", i)) return 0;
        int close = s.indexOf('}', i + 3);
        if (close < 0 || close == i + 3 || close > i + 9) return 0;
        for (int k = i + 3; k < close; k++) if (Character.digit(s.charAt(k), 16) < 0) return 0;
        return close + 1 - i;
    }
}
