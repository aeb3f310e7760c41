package dev.facteur.bounce;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Email addresses written in running text, such as {@code <bob@example.org>:} or
 * {@code RCPT TO:<bob@example.org>}: a dot-atom local part (RFC 5322 §3.2.3, with RFC 6531's UTF-8
 * letters) and a domain name with at least one dot and a top-level label of letters. Quoted local
 * parts and address literals are not looked for: bounces that name such addresses write them in
 * their DSN fields, which are read as fields.
 */
final class TextAddresses {

    private TextAddresses() {}

    private static final String ATEXT = "[\\p{L}\\p{N}!#$%&'*+/=?^_`{|}~-]";
    private static final String LABEL = "[\\p{L}\\p{N}](?:[\\p{L}\\p{N}-]{0,61}[\\p{L}\\p{N}])?";
    static final Pattern ADDRESS = Pattern.compile("(?<![\\p{L}\\p{N}.!#$%&'*+/=?^_`{|}~-])(" + ATEXT + "+(?:\\." + ATEXT + "+)*@(?:"
            + LABEL + "\\.)+\\p{L}{2,63})(?![\\p{L}\\p{N}-]|\\.[\\p{L}\\p{N}])");

    /** The addresses in {@code text}, in order, as written. */
    static List<String> in(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = ADDRESS.matcher(text);
        while (m.find()) out.add(m.group(1));
        return out;
    }

    /** Addresses compare without regard to case: domains are case-insensitive, and servers change the case of local parts too. */
    static String key(String address) {
        return address.toLowerCase(Locale.ROOT);
    }
}
