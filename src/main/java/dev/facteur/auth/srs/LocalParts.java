package dev.facteur.auth.srs;

import dev.facteur.message.Mailbox;
import java.nio.charset.StandardCharsets;

/**
 * Between a local part as Facteur keeps it (a dot-atom, or a quoted string in its one canonical
 * form: see {@code AddressSyntax}) and its content, the text the quotes stand for. SRS works on the
 * content, as Postfix hands postsrsd addresses in their unquoted internal form: the content of
 * {@code "a b"@example.org} is hashed and embedded as {@code a b}, and
 * {@code "SRS0=HHHH=TT=example.org=a b"@fwd.example.net} is quoted only because it must be.
 */
final class LocalParts {

    /** RFC 5321 §4.5.3.1.3: a path is at most 256 long; counted without its brackets, as AddressSyntax does. */
    private static final int MAX_PATH = 256;

    private LocalParts() {}

    /** The content: a quoted local part without its quotes and backslashes; a dot-atom as it is. */
    static String content(String localPart) {
        if (localPart.length() < 2 || localPart.charAt(0) != '"' || localPart.charAt(localPart.length() - 1) != '"')
            return localPart;
        StringBuilder out = new StringBuilder(localPart.length());
        for (int i = 1; i < localPart.length() - 1; i++) {
            char c = localPart.charAt(i);
            if (c == '\\' && i + 1 < localPart.length() - 1) c = localPart.charAt(++i);
            out.append(c);
        }
        return out.toString();
    }

    /**
     * The local part that carries {@code content}: the content itself when it is a dot-atom
     * (RFC 5321 §4.1.2 asks not to quote what needs no quotes), else a quoted string with a
     * backslash before {@code "} and {@code \} only.
     */
    static String written(String content) {
        if (isDotAtom(content)) return content;
        StringBuilder out = new StringBuilder(content.length() + 4).append('"');
        for (int i = 0; i < content.length(); i++) {
            char c = content.charAt(i);
            if (c == '"' || c == '\\') out.append('\\');
            out.append(c);
        }
        return out.append('"').toString();
    }

    /** Octets of a written local part, the measure of RFC 5321 §4.5.3.1.1's limit of 64. */
    static int octets(String written) {
        return written.getBytes(StandardCharsets.UTF_8).length;
    }

    /** Whether a mailbox of this local part and domain keeps within RFC 5321 §4.5.3.1's limits. */
    static boolean fits(String written, String domain) {
        return octets(written) <= Mailbox.MAX_LOCAL_PART && written.length() + 1 + domain.length() <= MAX_PATH;
    }

    private static boolean isDotAtom(String s) {
        boolean atomStart = true;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '.') {
                if (atomStart) return false;
                atomStart = true;
            } else if (isAtext(c) || c >= 0x80) { // RFC 6531 §3.3: UTF-8 is atext with SMTPUTF8
                atomStart = false;
            } else {
                return false;
            }
        }
        return !atomStart;
    }

    /** RFC 5322 atext. */
    private static boolean isAtext(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || "!#$%&'*+-/=?^_`{|}~".indexOf(c) >= 0;
    }
}
