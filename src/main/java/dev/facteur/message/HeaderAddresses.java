package dev.facteur.message;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Rewrites the addresses inside an address header field (RFC 5322 §3.4: From, To, Cc, ...) and
 * leaves every other byte as it was: display names, comments, quoted strings, groups and folding
 * stay untouched, so a rewritten header looks like the original but for the domain or address.
 * Values are given and returned as raw bytes, one char each, as the SMTP server hands them over.
 */
public final class HeaderAddresses {

    private HeaderAddresses() {}

    /** The addresses in an address field's value (raw bytes, one char each), in order. */
    public static List<Mailbox> addresses(String value) {
        List<Mailbox> found = new ArrayList<>();
        rewrite(value, m -> {
            found.add(m);
            return m;
        });
        return found;
    }

    /** {@code value} with each address replaced by what {@code rewrite} makes of it; everything else as it was. */
    public static String rewrite(String value, UnaryOperator<Mailbox> rewrite) {
        StringBuilder out = null;
        int copied = 0;
        int i = 0;
        while (i < value.length()) {
            char c = value.charAt(i);
            if (c == '"') {
                i = skipQuoted(value, i);
            } else if (c == '(') {
                i = skipComment(value, i);
            } else if (isTokenChar(c)) {
                int start = i;
                while (i < value.length() && isTokenChar(value.charAt(i))) i++;
                String token = value.substring(start, i);
                if (token.indexOf('@') > 0) {
                    Optional<Mailbox> m = utf8(token).flatMap(t -> AddressSyntax.tryParseMailbox(t, true));
                    if (m.isPresent()) {
                        Mailbox r = rewrite.apply(m.get());
                        if (!r.equals(m.get())) {
                            if (out == null) out = new StringBuilder(value.length() + 16);
                            out.append(value, copied, start).append(bytes(r.toString()));
                            copied = i;
                        }
                    }
                }
            } else {
                i++;
            }
        }
        if (out == null) return value;
        return out.append(value, copied, value.length()).toString();
    }

    /*
     * The value holds the header's raw bytes, one char per byte (ISO-8859-1), so that bytes we do
     * not touch come out as they came in. Addresses are UTF-8 (RFC 6532): decoded to be parsed,
     * encoded back when replaced.
     */
    private static Optional<String> utf8(String rawBytes) {
        try {
            return Optional.of(StandardCharsets.UTF_8.newDecoder()
                    .decode(ByteBuffer.wrap(rawBytes.getBytes(StandardCharsets.ISO_8859_1))).toString());
        } catch (CharacterCodingException e) {
            return Optional.empty(); // not UTF-8: not an address we can rewrite
        }
    }

    private static String bytes(String text) {
        return new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
    }

    /** Characters of an addr-spec outside quotes: anything but white space and the specials that separate (brackets stay: literals). */
    private static boolean isTokenChar(char c) {
        return c > ' ' && "<>,;:()\"\\".indexOf(c) < 0;
    }

    private static int skipQuoted(String s, int i) {
        for (i++; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\') i++;
            else if (c == '"') return i + 1;
        }
        return s.length();
    }

    private static int skipComment(String s, int i) {
        int depth = 0;
        for (; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\') i++;
            else if (c == '(') depth++;
            else if (c == ')' && --depth == 0) return i + 1;
        }
        return s.length();
    }
}
