package dev.facteur.auth.dmarc;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The tag-value list of DMARC records and of the §3 external-destination records of RFC 9990
 * (DMARCbis §4.8: {@code dmarc-sep = *WSP ";" *WSP}, {@code equals = *WSP "=" *WSP}). Only the
 * split is done here; what each value means is the reader's business.
 */
final class TagList {

    private TagList() {}

    /**
     * The tags after a leading {@code v=DMARC1}, names lowercased, or empty when the text does not
     * start with that tag (§4.7: "the entire record MUST be ignored"). Empty tags ({@code ;;}) are
     * skipped; a tag without {@code =} or with a name that is not {@code 1*ALPHA} is a syntax error
     * that §4.8 says to ignore. A repeated tag keeps its first value: a later {@code p=none} cannot
     * weaken an earlier {@code p=reject}.
     */
    static Optional<Map<String, String>> parseDmarc1(String text) {
        String[] parts = text.split(";", -1);
        if (!isVersion(parts[0])) return Optional.empty();
        Map<String, String> tags = new LinkedHashMap<>();
        for (int i = 1; i < parts.length; i++) {
            String part = strip(parts[i]);
            if (part.isEmpty()) continue;
            int eq = part.indexOf('=');
            if (eq <= 0) continue;
            String name = strip(part.substring(0, eq)).toLowerCase(Locale.ROOT);
            if (!name.chars().allMatch(c -> c >= 'a' && c <= 'z') || name.isEmpty()) continue;
            tags.putIfAbsent(name, strip(part.substring(eq + 1)));
        }
        return Optional.of(tags);
    }

    /** {@code dmarc-version = "v" equals %s"DMARC1"}: the value is case-sensitive, the tag name is not. */
    static boolean isVersion(String firstTag) {
        String t = strip(firstTag);
        int eq = t.indexOf('=');
        return eq > 0 && strip(t.substring(0, eq)).equalsIgnoreCase("v") && strip(t.substring(eq + 1)).equals("DMARC1");
    }

    /** Whether a TXT record is a DMARC record at all (§4.10 step 2 discards the others). */
    static boolean startsWithVersion(String text) {
        return isVersion(text.split(";", 2)[0]);
    }

    /** WSP is space and tab; DNS text may carry CR or LF from careless zone files, which are trimmed too. */
    static String strip(String s) {
        int b = 0, e = s.length();
        while (b < e && isSpace(s.charAt(b))) b++;
        while (e > b && isSpace(s.charAt(e - 1))) e--;
        return s.substring(b, e);
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
    }
}
