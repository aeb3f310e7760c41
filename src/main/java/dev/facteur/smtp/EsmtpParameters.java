package dev.facteur.smtp;

import dev.facteur.message.Body;
import dev.facteur.message.Mailbox;
import dev.facteur.message.Notify;
import dev.facteur.message.Ret;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;

/**
 * Validation of MAIL and RCPT parameters: SIZE (RFC 1870), BODY (RFC 6152), SMTPUTF8
 * (RFC 6531), RET, ENVID, NOTIFY and ORCPT (RFC 3461), REQUIRETLS (RFC 8689). Anything else is
 * refused with 555 5.5.4 (RFC 5321 §4.1.1.11), since we advertised nothing else. Whether a
 * parameter is allowed in this session (REQUIRETLS only under TLS) is the session's to judge.
 */
final class EsmtpParameters {

    private EsmtpParameters() {}

    /** Thrown with the reply that explains which parameter is wrong. */
    static final class Refused extends Exception {
        final Reply reply;

        Refused(Reply reply) {
            super(reply.toString(), null, false, false);
            this.reply = reply;
        }
    }

    record MailParams(long size, Body body, boolean smtpUtf8, Ret ret, String envid, boolean requireTls) {}

    /** The longest ORCPT value taken or written (RFC 3461 §4.2, RFC 6533 §3). */
    static final int MAX_ORCPT = 500;

    record RcptParams(Notify dsnNotify, String orcpt) {}

    private static Refused unsupported(String key) {
        return new Refused(new Reply(555, "5.5.4", "Unsupported parameter " + key));
    }

    private static Refused bad(String key) {
        return new Refused(new Reply(501, "5.5.4", "Bad value for " + key));
    }

    static MailParams mail(Map<String, String> params, long maxSize) throws Refused {
        long size = -1;
        Body body = Body.SEVEN_BIT;
        boolean utf8 = false;
        Ret ret = null;
        String envid = null;
        boolean requireTls = false;
        for (var e : params.entrySet()) {
            String key = e.getKey();
            String v = e.getValue();
            switch (key) {
                case "SIZE" -> {
                    if (v == null || v.length() > 20 || !v.chars().allMatch(c -> c >= '0' && c <= '9')) throw bad(key);
                    size = v.length() > 18 ? Long.MAX_VALUE : Long.parseLong(v);
                    if (size > maxSize) throw new Refused(Replies.TOO_BIG);
                }
                case "BODY" -> {
                    if (v == null) throw bad(key);
                    try {
                        body = Body.fromKeyword(v);
                    } catch (IllegalArgumentException ex) {
                        throw bad(key);
                    }
                    if (body == Body.BINARY_MIME) throw unsupported("BODY=BINARYMIME");
                }
                case "SMTPUTF8" -> {
                    if (v != null) throw bad(key);
                    utf8 = true;
                }
                case "RET" -> {
                    if (v == null) throw bad(key);
                    try {
                        ret = Ret.valueOf(v.toUpperCase(Locale.ROOT));
                    } catch (IllegalArgumentException ex) {
                        throw bad(key);
                    }
                }
                case "ENVID" -> {
                    if (v == null || v.length() > 100 || !isXtext(v)) throw bad(key);
                    envid = v;
                }
                case "REQUIRETLS" -> {
                    // RFC 8689 §2: "There is no esmtp-value associated with requiretls-param"
                    if (v != null) throw bad(key);
                    requireTls = true;
                }
                case "AUTH" -> {
                    // RFC 4954 §5: who submitted the message first, as a relay passes it on; Facteur
                    // trusts its own logins only, so the value is checked and not kept (as "<>")
                    if (v == null || v.length() > 500 || !isXtext(v)) throw bad(key);
                }
                default -> throw unsupported(key);
            }
        }
        return new MailParams(size, body, utf8, ret, envid, requireTls);
    }

    static RcptParams rcpt(Map<String, String> params, boolean smtpUtf8) throws Refused {
        Notify notify = Notify.DEFAULT;
        String orcpt = null;
        for (var e : params.entrySet()) {
            String key = e.getKey();
            String v = e.getValue();
            switch (key) {
                case "NOTIFY" -> notify = notify(v);
                case "ORCPT" -> {
                    if (v == null || v.length() > MAX_ORCPT) throw bad(key);
                    int semi = v.indexOf(';');
                    if (semi <= 0) throw bad(key);
                    String type = v.substring(0, semi);
                    String addr = v.substring(semi + 1);
                    if (!type.chars().allMatch(c -> c < 128 && (Character.isLetterOrDigit(c) || c == '-'))) throw bad(key);
                    boolean utf8Type = type.equalsIgnoreCase("utf-8");
                    if (addr.isEmpty() || !(utf8Type ? isUtf8AddrText(addr, smtpUtf8) : isXtext(addr))) throw bad(key);
                    orcpt = v;
                }
                default -> throw unsupported(key);
            }
        }
        return new RcptParams(notify, orcpt);
    }

    private static Notify notify(String v) throws Refused {
        if (v == null) throw bad("NOTIFY");
        if (v.equalsIgnoreCase("NEVER")) return Notify.never();
        EnumSet<Notify.Condition> set = EnumSet.noneOf(Notify.Condition.class);
        for (String part : v.split(",", -1)) {
            try {
                if (!set.add(Notify.Condition.valueOf(part.toUpperCase(Locale.ROOT)))) throw bad("NOTIFY");
            } catch (IllegalArgumentException ex) {
                throw bad("NOTIFY");
            }
        }
        return new Notify(set, true);
    }

    /**
     * The ORCPT value naming {@code address} ({@code rfc822;} with xtext, RFC 3461 §4.2; an
     * internationalized address as {@code utf-8;} per RFC 6533), or null when encoded it would
     * be longer than any server takes ({@value #MAX_ORCPT}; each {@code +} or {@code =} takes
     * three or six characters): ORCPT is optional, a refused RCPT is not.
     */
    static String orcptOf(Mailbox address) {
        String a = address.toString();
        StringBuilder sb;
        if (!isAscii(a)) {
            // RFC 6533 §3 utf-8-addr-unitext (the message is SMTPUTF8, as its address needs): UTF-8 as it is,
            // and the few ASCII characters xtext reserves as \x{HH}
            StringBuilder u = new StringBuilder("utf-8;");
            a.codePoints().forEach(c -> {
                if (c > 0x7e || (c >= 0x21 && c != '+' && c != '=' && c != '\\')) u.appendCodePoint(c);
                else u.append("\\x{").append(String.format("%02X", c)).append('}');
            });
            sb = u;
        } else {
            sb = new StringBuilder("rfc822;");
            for (int i = 0; i < a.length(); i++) {
                char c = a.charAt(i);
                if (c < '!' || c > '~' || c == '+' || c == '=') sb.append('+').append(String.format("%02X", (int) c));
                else sb.append(c);
            }
        }
        return sb.length() <= MAX_ORCPT ? sb.toString() : null;
    }

    /** RFC 3461 §4: xtext = *( xchar / hexchar ), xchar is "!".."~" but not "+" or "=". */
    static boolean isXtext(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '+') {
                if (i + 2 >= s.length() || !isUpperHex(s.charAt(i + 1)) || !isUpperHex(s.charAt(i + 2))) return false;
                i += 2;
            } else if (c < '!' || c > '~' || c == '=') {
                return false;
            }
        }
        return true;
    }

    /**
     * RFC 6533 §3 utf-8-addr-xtext, or with SMTPUTF8 utf-8-addr-unitext: QCHAR (printable ASCII
     * but "+", "=" and "\"), UTF-8 only with SMTPUTF8, and {@code \x{HEXPOINT}} for anything else.
     * Dequoted, the value is a Mailbox, which holds no control character: none is taken raw (a
     * bare CR reaches here, SmtpInput strips only the line's final one) nor as {@code \x{0D}}.
     */
    static boolean isUtf8AddrText(String s, boolean smtpUtf8) {
        int i = 0;
        while (i < s.length()) {
            int c = s.codePointAt(i);
            if (c == '\\') {
                int close = s.indexOf('}', i);
                if (!s.startsWith("\\x{", i) || close < 0) return false;
                String hex = s.substring(i + 3, close);
                if (hex.length() < 2 || hex.length() > 6 || !hex.chars().allMatch(EsmtpParameters::isHex)) return false;
                int decoded = Integer.parseInt(hex, 16);
                if (decoded > Character.MAX_CODE_POINT || !isMailboxChar(decoded)) return false;
                i = close + 1;
            } else {
                boolean ok = c < 0x80 ? c > 0x20 && c < 0x7f && c != '+' && c != '=' : smtpUtf8 && isMailboxChar(c);
                if (!ok) return false;
                i += Character.charCount(c);
            }
        }
        return true;
    }

    /** Not C0, not DEL (RFC 5321 and RFC 6531 Mailbox allow neither), not half a UTF-16 pair. */
    private static boolean isMailboxChar(int c) {
        return c >= 0x20 && c != 0x7f && Character.getType(c) != Character.SURROGATE;
    }

    private static boolean isHex(int c) {
        return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
    }

    private static boolean isUpperHex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
    }

    private static boolean isAscii(String s) {
        return s.chars().allMatch(c -> c < 128);
    }
}
