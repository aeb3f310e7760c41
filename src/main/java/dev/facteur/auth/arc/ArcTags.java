package dev.facteur.auth.arc;

import dev.facteur.auth.dkim.PermFail;
import dev.facteur.auth.dkim.TagList;
import java.time.Instant;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;

/** How the ARC header fields' tag values are read (RFC 8617 §4.1, RFC 6376 §3.5 where ARC borrows from DKIM). */
final class ArcTags {

    /** RFC 8617 §4.2.1: instances run from 1 to 50. */
    static final int MAX_INSTANCE = 50;

    /** More digits than a timestamp needs is a syntax error rather than an overflow. */
    private static final int MAX_DIGITS = 18;

    private ArcTags() {}

    /** §4.2.1 instance: 1*2DIGIT, from 1 to 50. */
    static int instance(String value) throws PermFail {
        if (value.isEmpty() || value.length() > 2 || !value.chars().allMatch(c -> c >= '0' && c <= '9'))
            throw new PermFail("i=" + value + " is not an instance number (1 to " + MAX_INSTANCE + ")");
        int i = Integer.parseInt(value);
        if (i < 1 || i > MAX_INSTANCE) throw new PermFail("i=" + i + " is outside 1 to " + MAX_INSTANCE);
        return i;
    }

    /** The instance of a field whose tag list reads, or why there is none. */
    static int instance(TagList tags) throws PermFail {
        return instance(required(tags, "i"));
    }

    static String required(TagList tags, String name) throws PermFail {
        return tags.get(name).orElseThrow(() -> new PermFail("missing required tag " + name + "="));
    }

    /** A base64 value (b=, bh=), its folding white space ignored (RFC 6376 §3.5). */
    static byte[] base64(TagList tags, String name) throws PermFail {
        String text = TagList.compact(required(tags, name));
        if (text.isEmpty()) throw new PermFail(name + "= is empty");
        try {
            return Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new PermFail(name + "= is not base64");
        }
    }

    /** RFC 6376 §3.5 t=, x=, l=: an unsigned decimal, written without white space inside. */
    static OptionalLong number(TagList tags, String name) throws PermFail {
        if (!tags.has(name)) return OptionalLong.empty();
        String digits = tags.get(name).orElseThrow();
        if (digits.isEmpty() || digits.length() > MAX_DIGITS || !digits.chars().allMatch(c -> c >= '0' && c <= '9'))
            throw new PermFail(name + "=" + digits + " is not a number");
        return OptionalLong.of(Long.parseLong(digits));
    }

    /** A time in seconds since the epoch (t=, x=). */
    static Optional<Instant> time(TagList tags, String name) throws PermFail {
        OptionalLong seconds = number(tags, name);
        return seconds.isPresent() ? Optional.of(Instant.ofEpochSecond(seconds.getAsLong())) : Optional.empty();
    }

    /** RFC 6376 §3.5 d=: a domain name of two labels at least, each letters, digits and inner hyphens. */
    static String domain(TagList tags) throws PermFail {
        String d = required(tags, "d");
        if (!isName(d, false) || !d.contains(".")) throw new PermFail("d=" + d + " is not a domain name");
        return d.toLowerCase(Locale.ROOT);
    }

    /** RFC 6376 §3.1 selector: labels as in a domain name; underscores are seen in the wild. */
    static String selector(TagList tags) throws PermFail {
        String s = required(tags, "s");
        if (!isName(s, true)) throw new PermFail("s=" + s + " is not a selector");
        return s;
    }

    private static boolean isName(String name, boolean underscore) {
        if (name.isEmpty() || name.length() > 253) return false;
        for (String label : name.split("\\.", -1)) {
            if (label.isEmpty() || label.length() > 63 || label.startsWith("-") || label.endsWith("-")) return false;
            for (int i = 0; i < label.length(); i++) {
                char c = label.charAt(i);
                if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || underscore && c == '_')) return false;
            }
        }
        return true;
    }
}
