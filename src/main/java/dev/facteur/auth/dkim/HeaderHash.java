package dev.facteur.auth.dkim;

import dev.facteur.message.HeaderSection;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a DKIM signature's {@code b=} signs (RFC 6376 §3.7, §5.4.2): the header fields named in
 * {@code h=}, each name taking the last field of that name not yet taken (so a name listed once
 * more than there are fields adds nothing: that is how a field is over-signed), then the
 * signature field itself with its {@code b=} value emptied and no final CRLF, all canonicalized.
 * ARC's message signature and seal (RFC 8617 §5.1) are hashed the same way.
 */
public final class HeaderHash {

    private HeaderHash() {}

    /**
     * @param fields           the message's header fields in order, each whole (folding and CRLF
     *                         included), one char per byte, without the signature field itself
     * @param signedNames      the names of {@code h=}, in order
     * @param canonicalization the header canonicalization of {@code c=}
     * @param signatureField   the signature field with its {@code b=} value empty ({@link #withEmptyB})
     */
    public static byte[] data(List<String> fields, List<String> signedNames, Canonicalization canonicalization, String signatureField) {
        StringBuilder data = new StringBuilder();
        List<String> left = new ArrayList<>(fields);
        for (String name : signedNames) {
            String wanted = name.strip().toLowerCase(Locale.ROOT);
            for (int i = left.size() - 1; i >= 0; i--) {
                if (HeaderSection.name(left.get(i)).equals(wanted)) {
                    data.append(canonicalization.header(left.remove(i)));
                    break;
                }
            }
        }
        String own = canonicalization.header(signatureField);
        data.append(own, 0, own.length() - 2); // §3.7: without its final CRLF
        return data.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * The field as it was when it was signed: the value of its {@code b=} tag, with the white space
     * around it, deleted (§3.7), and everything else as it is, down to the byte. The tag is found
     * by the tag list's structure, never by searching for "b=", which {@code bh=} also contains.
     */
    public static String withEmptyB(String field) {
        int colon = field.indexOf(':');
        int start = colon + 1;
        while (start <= field.length()) {
            int end = field.indexOf(';', start);
            if (end < 0) end = field.length();
            int eq = field.indexOf('=', start);
            if (eq >= 0 && eq < end && TagList.compact(field.substring(start, eq)).equals("b")) {
                int valueEnd = end;
                if (end == field.length() && field.endsWith("\r\n")) valueEnd -= 2; // the field's own CRLF stays
                return field.substring(0, eq + 1) + field.substring(valueEnd);
            }
            start = end + 1;
        }
        return field;
    }
}
