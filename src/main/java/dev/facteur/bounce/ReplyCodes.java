package dev.facteur.bounce;

import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** SMTP reply codes (RFC 5321 §4.2) as bounces quote them: {@code 550 5.1.1 ...}, {@code said: 452-4.2.2}, {@code ResponseCode 421}. */
final class ReplyCodes {

    private ReplyCodes() {}

    /*
     * Three digits on their own, the first 2, 4 or 5 and the second 0 to 5 (RFC 5321 §4.2.1),
     * followed by a space, a hyphen (a multiline reply) or punctuation, and not part of a longer
     * number, a dotted address or a time of day.
     */
    private static final Pattern CODE = Pattern.compile("(?<![\\w.\\-/])([245][0-5]\\d)(?=[\\s\\-:,;\\])]|$)");

    static OptionalInt find(String text) {
        if (text == null) return OptionalInt.empty();
        Matcher m = CODE.matcher(text);
        return m.find() ? OptionalInt.of(Integer.parseInt(m.group(1))) : OptionalInt.empty();
    }

    /** True when {@code text} quotes a failure: a 4xx or 5xx reply ("Size (in bytes): 222" is no reply). */
    static boolean failureIn(String text) {
        Matcher m = CODE.matcher(text);
        while (m.find()) if (m.group(1).charAt(0) != '2') return true;
        return false;
    }
}
