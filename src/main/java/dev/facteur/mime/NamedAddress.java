package dev.facteur.mime;

import dev.facteur.message.AddressSyntax;
import dev.facteur.message.Mailbox;
import java.util.ArrayList;
import java.util.List;

/**
 * A mailbox as the address fields write it (RFC 5322 §3.4): an optional display name and the
 * address, {@code Alice Example <alice@example.org>} or just {@code alice@example.org}. The name
 * is kept as text, whatever its characters; {@link #words} writes it as atoms, a quoted string or
 * RFC 2047 encoded words, whichever it needs.
 *
 * @param name the display name, empty for none
 */
public record NamedAddress(String name, Mailbox address) {

    /** RFC 5322 §3.2.3 atext: what a display name may hold without quotes. */
    private static final String ATEXT_SPECIALS = "!#$%&'*+-/=?^_`{|}~";

    public NamedAddress {
        if (name == null) name = "";
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 0x20 || c == 0x7F) throw new IllegalArgumentException("a line break or control character in the name");
        }
        if (!address.hasDomain()) throw new IllegalArgumentException("an address needs a domain: " + address);
    }

    /**
     * Reads {@code Name <address>}, {@code "Name, with specials" <address>} or a bare
     * {@code address} (UTF-8 addresses of RFC 6531 included); IllegalArgumentException says why
     * it is none of these.
     */
    public static NamedAddress parse(String s) {
        String t = s.strip();
        if (t.isEmpty()) throw new IllegalArgumentException("no address");
        if (!t.endsWith(">")) return new NamedAddress("", mailbox(t));
        int open = -1;
        boolean quoted = false;
        for (int i = 0; i < t.length() - 1; i++) {
            char c = t.charAt(i);
            if (quoted && c == '\\') i++;
            else if (c == '"') quoted = !quoted;
            else if (!quoted && c == '<') open = i;
        }
        if (open < 0) throw new IllegalArgumentException("a '>' without its '<': " + s);
        return new NamedAddress(displayName(t.substring(0, open).strip()), mailbox(t.substring(open + 1, t.length() - 1).strip()));
    }

    /** A comma-separated list of {@link #parse} forms; commas inside quotes or angle brackets do not separate. */
    public static List<NamedAddress> parseList(String s) {
        List<NamedAddress> out = new ArrayList<>();
        for (String item : split(s)) out.add(parse(item));
        return out;
    }

    /** The list's items: split at each comma outside a quoted string and an angle address. */
    static List<String> split(String s) {
        List<String> items = new ArrayList<>();
        boolean quoted = false, angle = false;
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quoted && c == '\\') i++;
            else if (c == '"') quoted = !quoted;
            else if (!quoted && c == '<') angle = true;
            else if (!quoted && c == '>') angle = false;
            else if (!quoted && !angle && c == ',') {
                items.add(s.substring(start, i));
                start = i + 1;
            }
        }
        items.add(s.substring(start));
        return items;
    }

    private static String displayName(String n) {
        if (n.length() >= 2 && n.startsWith("\"") && n.endsWith("\"")) {
            StringBuilder sb = new StringBuilder(n.length());
            for (int i = 1; i < n.length() - 1; i++) {
                char c = n.charAt(i);
                if (c == '\\' && i + 1 < n.length() - 1) c = n.charAt(++i);
                else if (c == '"') throw new IllegalArgumentException("a '\"' inside the quoted name: " + n);
                sb.append(c);
            }
            return sb.toString();
        }
        if (n.indexOf('"') >= 0 || n.indexOf('<') >= 0 || n.indexOf('>') >= 0)
            throw new IllegalArgumentException("quotes or angle brackets in the name: quote the whole name: " + n);
        return n;
    }

    private static Mailbox mailbox(String a) {
        try {
            return AddressSyntax.parseMailbox(a, true);
        } catch (AddressSyntax.Invalid e) {
            throw new IllegalArgumentException("not an address: " + a + " (" + e.getMessage() + ")");
        }
    }

    /**
     * The words this takes in a header field, to be written separated by spaces (or folds): the
     * name as atoms when it is plain words, a quoted string when it holds specials, encoded words
     * when it is not ASCII; then the angle address. Without a name, the address alone.
     */
    public List<String> words() {
        if (name.isEmpty()) return List.of(address.toString());
        List<String> words = new ArrayList<>();
        if (!EncodedWords.isPlainAscii(name)) {
            words.addAll(EncodedWords.encode(name));
        } else if (isAtoms(name)) {
            words.addAll(List.of(name.split(" ")));
        } else {
            words.add("\"" + name.replace("\\", "\\\\").replace("\"", "\\\"") + "\"");
        }
        words.add("<" + address + ">");
        return words;
    }

    /** True when the address has characters outside US-ASCII: the field needs RFC 6532 UTF-8 headers, and SMTPUTF8. */
    public boolean isInternationalized() {
        return address.isInternationalized();
    }

    /**
     * Words of atext separated by single spaces, none of them looking like an encoded word
     * (RFC 2047 §5: a reader would decode it).
     */
    private static boolean isAtoms(String n) {
        if (n.contains("=?")) return false;
        for (String word : n.split(" ", -1)) {
            if (word.isEmpty()) return false;
            for (int i = 0; i < word.length(); i++) {
                char c = word.charAt(i);
                if (!(Character.isLetterOrDigit(c) && c < 0x80) && ATEXT_SPECIALS.indexOf(c) < 0) return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return String.join(" ", words());
    }
}
