package dev.facteur.mime;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * RFC 2047 encoded words, for text outside US-ASCII where a header field allows them: in
 * unstructured text such as {@code Subject} (§5(1)) and in a display name (a phrase, §5(3)).
 * Always the "B" encoding of UTF-8: it is valid in both places, where the characters "Q" may
 * leave unencoded differ.
 */
public final class EncodedWords {

    private static final String PREFIX = "=?UTF-8?B?", SUFFIX = "?=";
    /** §2: an encoded word is at most 75 characters. */
    public static final int MAX_LENGTH = 75;

    private EncodedWords() {}

    /**
     * {@code text} as encoded words, to be written separated by white space (which a reader drops
     * between encoded words, §6.2). Each holds whole characters: §5 forbids splitting one.
     */
    public static List<String> encode(String text) {
        return encode(text, MAX_LENGTH);
    }

    /**
     * As {@link #encode(String)}, the first word at most {@code firstLength} characters (at least
     * 20, room for any one character), to fit beside a field's name.
     */
    public static List<String> encode(String text, int firstLength) {
        if (firstLength < 20 || firstLength > MAX_LENGTH) throw new IllegalArgumentException("an encoded word of " + firstLength);
        List<String> words = new ArrayList<>();
        int i = 0;
        while (i < text.length()) {
            // the prefix and suffix take 12; base64 comes in groups of 4 characters for 3 octets
            int maxOctets = (((words.isEmpty() ? firstLength : MAX_LENGTH) - PREFIX.length() - SUFFIX.length()) / 4) * 3;
            int start = i, octets = 0;
            while (i < text.length()) {
                int c = text.codePointAt(i);
                int n = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
                if (octets + n > maxOctets) break;
                octets += n;
                i += Character.charCount(c);
            }
            byte[] utf8 = text.substring(start, i).getBytes(StandardCharsets.UTF_8);
            words.add(PREFIX + Base64.getEncoder().encodeToString(utf8) + SUFFIX);
        }
        return words;
    }

    /** True when every character is printable US-ASCII or a space or tab: text a header holds as it is. */
    static boolean isPlainAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if ((c < 0x20 && c != '\t') || c > 0x7E) return false;
        }
        return true;
    }
}
