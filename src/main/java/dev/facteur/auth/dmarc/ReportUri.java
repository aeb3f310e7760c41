package dev.facteur.auth.dmarc;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One reporting URI of a {@code rua} or {@code ruf} tag (RFC 7489 §6.2, DMARCbis §4.6, §4.8).
 *
 * @param uri       the URI as published, without its size limit
 * @param scheme    the scheme, lowercased ({@code mailto}, {@code https}, ...)
 * @param mailbox   for {@code mailto:}, the address, percent-decoded (RFC 6068), without {@code ?headers}
 * @param sizeLimit RFC 7489's {@code !size} in bytes, if given. DMARCbis calls it obsolete
 *                  ({@code obs-dmarc-report-size}) but records still carry it, and honouring it
 *                  only ever sends less.
 */
public record ReportUri(String uri, String scheme, Optional<String> mailbox, OptionalLong sizeLimit) {

    private static final Pattern SCHEME = Pattern.compile("([A-Za-z][A-Za-z0-9+.-]*):(.+)");
    private static final Pattern SIZE = Pattern.compile("(\\d+)[ \\t]*([kmgtKMGT]?)");

    public boolean isMailto() {
        return scheme.equals("mailto");
    }

    /**
     * The URIs of a {@code dmarc-urilist}, in order; malformed ones are dropped (RFC 9990 §2.5:
     * "If any of the URIs are malformed, they SHOULD be ignored"). Commas and {@code !} inside a
     * URI must be percent-encoded, so both split safely.
     */
    static List<ReportUri> parseList(String value) {
        List<ReportUri> uris = new ArrayList<>();
        for (String item : value.split(",")) {
            parse(TagList.strip(item)).ifPresent(uris::add);
        }
        return List.copyOf(uris);
    }

    static Optional<ReportUri> parse(String item) {
        String uri = item;
        OptionalLong limit = OptionalLong.empty();
        int bang = item.lastIndexOf('!');
        if (bang > 0) {
            Matcher size = SIZE.matcher(TagList.strip(item.substring(bang + 1)));
            if (!size.matches()) return Optional.empty();
            limit = OptionalLong.of(bytes(size.group(1), size.group(2)));
            uri = TagList.strip(item.substring(0, bang));
        }
        Matcher m = SCHEME.matcher(uri);
        if (!m.matches() || uri.chars().anyMatch(c -> c <= ' ' || c == 0x7f)) return Optional.empty();
        String scheme = m.group(1).toLowerCase(Locale.ROOT);
        Optional<String> mailbox = Optional.empty();
        if (scheme.equals("mailto")) {
            String rest = m.group(2);
            int query = rest.indexOf('?');
            Optional<String> address = percentDecode(query < 0 ? rest : rest.substring(0, query)).filter(ReportUri::isAddress);
            if (address.isEmpty()) return Optional.empty();
            mailbox = address;
        }
        return Optional.of(new ReportUri(uri, scheme, mailbox, limit));
    }

    /** RFC 7489 §6.2: units are powers of two; no unit means bytes. Absurd sizes saturate. */
    private static long bytes(String digits, String unit) {
        int shift = switch (unit.toLowerCase(Locale.ROOT)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            case "t" -> 40;
            default -> 0;
        };
        try {
            long n = Long.parseLong(digits);
            return n > (Long.MAX_VALUE >> shift) ? Long.MAX_VALUE : n << shift;
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }

    /**
     * A plain {@code local@domain}. What decodes to spaces, controls or angle brackets is not an
     * address we could put in RCPT TO, and guessing what was meant could send reports to a stranger.
     */
    private static boolean isAddress(String a) {
        int at = a.lastIndexOf('@');
        if (at <= 0 || at == a.length() - 1) return false;
        if (a.codePoints().anyMatch(c -> c <= ' ' || c == 0x7f || c == '<' || c == '>' || c == ',' || c == ';')) return false;
        return Domains.normalize(a.substring(at + 1)).isPresent();
    }

    private static Optional<String> percentDecode(String s) {
        var out = new ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                if (i + 2 >= s.length()) return Optional.empty();
                int hi = Character.digit(s.charAt(i + 1), 16), lo = Character.digit(s.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) return Optional.empty();
                out.write(hi * 16 + lo);
                i += 2;
            } else {
                int cp = s.codePointAt(i);
                byte[] b = Character.toString(cp).getBytes(StandardCharsets.UTF_8);
                out.write(b, 0, b.length);
                i += Character.charCount(cp) - 1;
            }
        }
        return Optional.of(out.toString(StandardCharsets.UTF_8));
    }
}
