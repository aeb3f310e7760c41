package dev.facteur.message;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Parser for RFC 5321 §4.1.2 paths and mailboxes, extended by RFC 6531 §3.3 when UTF-8 is allowed.
 * A hand-written scanner rather than a regex: quoted local parts and SRS addresses such as
 * {@code SRS0=HHH=TT=example.com=joe@fwd.example.org} must survive intact. A quoted local part
 * comes out in its one canonical form (RFC 5322 §3.2.4: the quotes are not part of its meaning),
 * so that {@code "alice"@example.test} is the same mailbox as {@code alice@example.test}.
 */
public final class AddressSyntax {

    /** RFC 5321 §4.5.3.1.3: a path, and so the mailbox in it, is at most 256 long (counted here without its brackets). */
    private static final int MAX_PATH = 256;

    private AddressSyntax() {}

    /** Why an address was refused; the text is fit for an SMTP reply. */
    public static final class Invalid extends Exception {
        private final boolean needsUtf8;

        Invalid(String message, boolean needsUtf8) {
            super(message, null, false, false);
            this.needsUtf8 = needsUtf8;
        }

        Invalid(String message) {
            this(message, false);
        }

        /** True when the address would be valid with SMTPUTF8 (reply 553 5.6.7, RFC 6531 §3.5). */
        public boolean needsUtf8() {
            return needsUtf8;
        }
    }

    /**
     * Parses {@code "<" [ A-d-l ":" ] Mailbox ">"}. Source routes are accepted and ignored
     * (RFC 5321 §4.1.2 and Appendix C: servers SHOULD NOT act on them).
     */
    public static Mailbox parsePath(String path, boolean utf8) throws Invalid {
        String inner = unbracket(path);
        inner = stripSourceRoute(inner);
        return parseMailbox(inner, utf8);
    }

    /**
     * Parses a Reverse-path: {@code <>} or a Path whose mailbox has a domain. The bare
     * {@code <Postmaster>} is a recipient only (RFC 5321 §4.1.1.3): a sender without a domain
     * could be neither answered nor checked.
     */
    public static ReversePath parseReversePath(String path, boolean utf8) throws Invalid {
        if (unbracket(path).isEmpty()) return ReversePath.NULL;
        Mailbox sender = parsePath(path, utf8);
        if (!sender.hasDomain()) throw new Invalid("Postmaster without a domain is only a recipient (RFC 5321 §4.1.1.3)");
        return ReversePath.of(sender);
    }

    private static String unbracket(String path) throws Invalid {
        if (path.length() < 2 || path.charAt(0) != '<' || path.charAt(path.length() - 1) != '>')
            throw new Invalid("Address must be enclosed in <>");
        if (path.length() - 2 > MAX_PATH) throw new Invalid("Path too long");
        return path.substring(1, path.length() - 1);
    }

    private static String stripSourceRoute(String inner) throws Invalid {
        if (!inner.startsWith("@")) return inner;
        int colon = inner.indexOf(':');
        if (colon < 0) throw new Invalid("Bad source route");
        for (String hop : inner.substring(0, colon).split(",", -1)) {
            if (hop.length() < 2 || hop.charAt(0) != '@' || !isDomain(hop.substring(1), false))
                throw new Invalid("Bad source route");
        }
        return inner.substring(colon + 1);
    }

    /**
     * Parses {@code Local-part "@" ( Domain / address-literal )}, or the bare {@code Postmaster}.
     * The address is read with RFC 6531's wider syntax first: "needs SMTPUTF8" (553 5.6.7) is
     * said only of an address that SMTPUTF8 would make valid, and anything else wrong with it is
     * a syntax error whatever its characters.
     */
    public static Mailbox parseMailbox(String s, boolean utf8) throws Invalid {
        Mailbox m = parseUtf8Mailbox(s);
        if (!utf8 && m.isInternationalized())
            throw new Invalid(Mailbox.isAscii(m.localPart()) ? "Domain needs SMTPUTF8" : "Local part needs SMTPUTF8", true);
        return m;
    }

    /** RFC 6531 §3.3 Mailbox: RFC 5321's, with UTF-8 in the local part and U-labels in the domain. */
    private static Mailbox parseUtf8Mailbox(String s) throws Invalid {
        if (s.equalsIgnoreCase("postmaster")) return Mailbox.postmaster();
        int at = localPartEnd(s);
        if (at >= s.length() || s.charAt(at) != '@') throw new Invalid("Address must be local-part@domain");
        String local = s.substring(0, at);
        String domain = s.substring(at + 1);
        if (utf8Length(local) > Mailbox.MAX_LOCAL_PART) throw new Invalid("Local part too long");
        if (local.startsWith("\"")) local = canonicalQuoted(local);
        if (domain.length() > Mailbox.MAX_DOMAIN) throw new Invalid("Domain too long");
        if (domain.startsWith("[")) {
            if (!isAddressLiteral(domain)) throw new Invalid("Bad address literal");
        } else if (!isDomain(domain, true)) {
            throw new Invalid("Bad domain syntax");
        }
        // a local part and a domain each within their limits can still make a mailbox no path could hold
        if (local.length() + 1 + domain.length() > MAX_PATH) throw new Invalid("Path too long");
        return new Mailbox(local, domain);
    }

    /** Returns the index of the {@code @} that ends a valid local part (UTF-8 allowed, RFC 6531 §3.3). */
    private static int localPartEnd(String s) throws Invalid {
        if (s.isEmpty()) throw new Invalid("Empty address");
        int i;
        if (s.charAt(0) == '"') {
            for (i = 1; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c == '"') break;
                if (c == '\\') {
                    i++;
                    if (i >= s.length() || s.charAt(i) < 32 || s.charAt(i) > 126) throw new Invalid("Bad quoted-pair");
                } else if (c < 32 || c == 127) {
                    throw new Invalid("Bad character in quoted local part");
                }
            }
            if (i >= s.length()) throw new Invalid("Unterminated quoted local part");
            i++;
        } else {
            boolean atomStart = true;
            for (i = 0; i < s.length() && s.charAt(i) != '@'; i++) {
                char c = s.charAt(i);
                if (c == '.') {
                    if (atomStart) throw new Invalid("Bad dot in local part");
                    atomStart = true;
                    continue;
                }
                if (c < 0x80 && !isAtext(c)) throw new Invalid("Bad character in local part");
                atomStart = false;
            }
            if (atomStart) throw new Invalid(i == 0 ? "Empty local part" : "Bad dot in local part");
        }
        return i;
    }

    /**
     * The one form of a quoted local part: without quotes when its content is a dot-atom (RFC 5321
     * §4.1.2 asks senders not to quote what needs no quotes, and RFC 5322 §3.2.4 gives both forms
     * one meaning); otherwise quoted, with a backslash only before {@code "} and {@code \}.
     */
    private static String canonicalQuoted(String quoted) {
        StringBuilder content = new StringBuilder(quoted.length());
        for (int i = 1; i < quoted.length() - 1; i++) {
            char c = quoted.charAt(i);
            if (c == '\\') c = quoted.charAt(++i);
            content.append(c);
        }
        if (isDotAtom(content)) return content.toString();
        StringBuilder out = new StringBuilder(content.length() + 4).append('"');
        for (int i = 0; i < content.length(); i++) {
            char c = content.charAt(i);
            if (c == '"' || c == '\\') out.append('\\');
            out.append(c);
        }
        return out.append('"').toString();
    }

    private static boolean isDotAtom(CharSequence s) {
        boolean atomStart = true;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '.') {
                if (atomStart) return false;
                atomStart = true;
            } else if (isAtext(c) || c >= 0x80) {
                atomStart = false;
            } else {
                return false;
            }
        }
        return !atomStart;
    }

    /** RFC 5322 atext. */
    static boolean isAtext(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || "!#$%&'*+-/=?^_`{|}~".indexOf(c) >= 0;
    }

    /** RFC 5321 Domain: dot-separated sub-domains of {@code Let-dig [Ldh-str]}; U-labels with UTF-8. */
    public static boolean isDomain(String d, boolean utf8) {
        if (d.isEmpty() || d.length() > Mailbox.MAX_DOMAIN) return false;
        for (String label : d.split("\\.", -1)) {
            if (label.isEmpty() || label.length() > 63) return false;
            if (label.charAt(0) == '-' || label.charAt(label.length() - 1) == '-') return false;
            for (int i = 0; i < label.length(); i++) {
                char c = label.charAt(i);
                boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'
                        || (utf8 && c >= 0x80 && !Character.isWhitespace(c) && !Character.isISOControl(c));
                if (!ok) return false;
            }
        }
        return true;
    }

    /**
     * RFC 5321 §4.1.3 address-literal: IPv4, {@code IPv6:} and nothing else we could route to.
     * Digits are ASCII ({@code DIGIT} and {@code HEXDIG} of RFC 5234), not any Unicode digit.
     */
    static boolean isAddressLiteral(String d) {
        if (!d.endsWith("]") || d.length() < 3) return false;
        String body = d.substring(1, d.length() - 1);
        if (body.regionMatches(true, 0, "IPv6:", 0, 5)) {
            String v6 = body.substring(5);
            return v6.indexOf(':') >= 0 && v6.chars().allMatch(c -> isHexDigit(c) || c == ':' || c == '.')
                    && parsesAsIp(v6);
        }
        String[] parts = body.split("\\.", -1);
        if (parts.length != 4) return false;
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(AddressSyntax::isDigit) || Integer.parseInt(p) > 255)
                return false;
        }
        return true;
    }

    private static boolean isDigit(int c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isHexDigit(int c) {
        return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    private static boolean parsesAsIp(String literal) {
        try {
            InetAddress.ofLiteral(literal);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static int utf8Length(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    /** Convenience for callers that only need a yes/no. */
    public static Optional<Mailbox> tryParseMailbox(String s, boolean utf8) {
        try {
            return Optional.of(parseMailbox(s, utf8));
        } catch (Invalid e) {
            return Optional.empty();
        }
    }

}
