package dev.facteur.auth.dkim;

import dev.facteur.message.HeaderSection;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A DKIM-Signature field, read (RFC 6376 §3.5) and checked as far as it can be without its key,
 * its message or the time (§6.1.1).
 *
 * @param field         the field as the message carries it, name and CRLF included, one char per byte
 * @param domain        {@code d=}, lower case
 * @param identity      {@code i=} decoded from dkim-quoted-printable, or {@code @d} when absent (§3.5)
 * @param selector      {@code s=}
 * @param signedHeaders {@code h=}, lower case, in order
 * @param bodyLength    {@code l=}: how many octets of the canonicalized body are signed, when not all
 */
public record DkimSignature(String field, TagList tags, DkimAlgorithm algorithm, byte[] b, byte[] bh,
        Canonicalization headerCanonicalization, Canonicalization bodyCanonicalization, String domain, String identity,
        String selector, List<String> signedHeaders, OptionalLong bodyLength, Optional<Instant> timestamp,
        Optional<Instant> expiration) {

    public static final String FIELD_NAME = "dkim-signature";

    /** The longest l= read: more digits than a long holds is a syntax error rather than an overflow. */
    private static final int MAX_DIGITS = 18;

    /** Reads {@code field}, or says why it is no usable signature, in the order of §6.1.1. */
    public static DkimSignature parse(String field) throws PermFail {
        TagList tags = TagList.parse(HeaderSection.value(field));
        String v = tags.get("v").orElseThrow(() -> new PermFail("signature missing required tag v="));
        if (!v.equals("1")) throw new PermFail("incompatible version v=" + v + " (RFC 6376 knows v=1 only)");
        for (String required : List.of("a", "b", "bh", "d", "h", "s"))
            if (!tags.has(required)) throw new PermFail("signature missing required tag " + required + "=");
        DkimAlgorithm algorithm = DkimAlgorithm.of(tags.get("a").orElseThrow());
        byte[] b = base64(tags, "b");
        byte[] bh = base64(tags, "bh");
        String[] c = tags.get("c").orElse("simple/simple").split("/", -1);
        if (c.length > 2) throw new PermFail("c=" + tags.get("c").orElseThrow() + " is not header/body");
        Canonicalization header = canonicalization(c[0]);
        Canonicalization body = c.length == 2 ? canonicalization(c[1]) : Canonicalization.SIMPLE;
        checkQuery(tags.get("q"));
        String domain = tags.get("d").orElseThrow().toLowerCase(Locale.ROOT);
        if (!isDomainName(domain)) throw new PermFail("d=" + domain + " is not a domain name");
        String selector = tags.get("s").orElseThrow();
        if (!isSelector(selector)) throw new PermFail("s=" + selector + " is not a selector");
        List<String> signed = TagList.list(tags.get("h").orElseThrow()).stream().map(n -> n.toLowerCase(Locale.ROOT)).toList();
        for (String name : signed) if (!isFieldName(name)) throw new PermFail("h= holds \"" + name + "\", which is no field name");
        if (!signed.contains("from")) throw new PermFail("From field not signed: h= must include From (RFC 6376 §5.4)");
        String identity = identity(tags.get("i"), domain);
        OptionalLong l = tags.has("l") ? OptionalLong.of(number(tags, "l")) : OptionalLong.empty();
        Optional<Instant> t = tags.has("t") ? Optional.of(Instant.ofEpochSecond(number(tags, "t"))) : Optional.empty();
        Optional<Instant> x = tags.has("x") ? Optional.of(Instant.ofEpochSecond(number(tags, "x"))) : Optional.empty();
        if (t.isPresent() && x.isPresent() && !x.get().isAfter(t.get()))
            throw new PermFail("x= is not after t= (RFC 6376 §3.5): the signature expired as it was made");
        return new DkimSignature(field, tags, algorithm, b, bh, header, body, domain, identity, selector, signed, l, t, x);
    }

    /** The name under which DNS publishes the key (§3.6.2.1). */
    public String keyName() {
        return selector + "._domainkey." + domain;
    }

    /** The domain part of {@link #identity}, lower case. */
    public String identityDomain() {
        return identity.substring(identity.lastIndexOf('@') + 1).toLowerCase(Locale.ROOT);
    }

    /** The b= value as written, without its white space: the {@code header.b} of RFC 6008 is a prefix of it. */
    public String bText() {
        return TagList.compact(tags.get("b").orElseThrow());
    }

    private static byte[] base64(TagList tags, String name) throws PermFail {
        String text = TagList.compact(tags.get(name).orElseThrow());
        if (text.isEmpty()) throw new PermFail(name + "= is empty");
        try {
            return Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new PermFail(name + "= is not base64: " + e.getMessage());
        }
    }

    private static Canonicalization canonicalization(String name) throws PermFail {
        try {
            return Canonicalization.of(TagList.compact(name));
        } catch (IllegalArgumentException e) {
            throw new PermFail("unknown canonicalization c=" + name);
        }
    }

    /** §3.5 q=: methods the verifier does not know are skipped; one it knows must be there, and dns/txt is the only one. */
    private static void checkQuery(Optional<String> q) throws PermFail {
        if (q.isEmpty()) return;
        for (String method : TagList.list(q.get())) if (method.equalsIgnoreCase("dns/txt")) return;
        throw new PermFail("unsupported query method q=" + q.get() + " (dns/txt is the only one)");
    }

    /** §3.5 i=: dkim-quoted-printable, its domain d= or below it; "@d" when absent. */
    private static String identity(Optional<String> i, String domain) throws PermFail {
        if (i.isEmpty()) return "@" + domain;
        String identity = quotedPrintable(TagList.compact(i.get()));
        int at = identity.lastIndexOf('@');
        if (at < 0) throw new PermFail("i=" + identity + " has no @domain");
        String id = identity.substring(at + 1).toLowerCase(Locale.ROOT);
        if (!id.equals(domain) && !id.endsWith("." + domain))
            throw new PermFail("domain mismatch: i=" + identity + " is neither d=" + domain + " nor a subdomain of it");
        return identity;
    }

    /** RFC 6376 §2.11: "=XX" stands for the octet XX; anything else is itself. */
    private static String quotedPrintable(String text) throws PermFail {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int n = 0; n < text.length(); n++) {
            char c = text.charAt(n);
            if (c != '=') {
                out.write(c);
                continue;
            }
            if (n + 2 >= text.length()) throw new PermFail("i= ends in a broken =XX escape");
            int hex = hex(text.charAt(n + 1)) << 4 | hex(text.charAt(n + 2));
            if (hex < 0) throw new PermFail("i= holds a broken =XX escape");
            out.write(hex);
            n += 2;
        }
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    private static int hex(char c) {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        if (c >= 'a' && c <= 'f') return c - 'a' + 10; // RFC 5234 §2.3: ABNF's HEXDIG is case-insensitive
        return -256; // not a hex digit: makes the octet negative
    }

    private static long number(TagList tags, String name) throws PermFail {
        String digits = TagList.compact(tags.get(name).orElseThrow());
        if (digits.isEmpty() || digits.length() > MAX_DIGITS || !digits.chars().allMatch(ch -> ch >= '0' && ch <= '9'))
            throw new PermFail(name + "=" + digits + " is not a number of at most " + MAX_DIGITS + " digits");
        return Long.parseLong(digits);
    }

    /**
     * §3.5 d=: RFC 5321 sub-domains (letters, digits, inner hyphens) joined by dots, two at least.
     * Anything else, "legitimate.com(.attacker.com" for one, is refused before DNS sees it.
     */
    static boolean isDomainName(String d) {
        String[] labels = d.split("\\.", -1);
        if (labels.length < 2 || d.length() > 253) return false;
        for (String label : labels) if (!isLabel(label, false)) return false;
        return true;
    }

    /** §3.1 selector: sub-domains joined by dots; underscores are seen in the wild in both. */
    private static boolean isSelector(String s) {
        if (s.isEmpty() || s.length() > 253) return false;
        for (String label : s.split("\\.", -1)) if (!isLabel(label, true)) return false;
        return true;
    }

    private static boolean isLabel(String label, boolean underscore) {
        if (label.isEmpty() || label.length() > 63 || label.startsWith("-") || label.endsWith("-")) return false;
        for (int i = 0; i < label.length(); i++) {
            char c = label.charAt(i);
            boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || underscore && c == '_';
            if (!ok) return false;
        }
        return true;
    }

    /** RFC 5322 §3.6.8 field-name: printable characters but the colon. */
    private static boolean isFieldName(String name) {
        if (name.isEmpty()) return false;
        for (int i = 0; i < name.length(); i++) if (name.charAt(i) < 0x21 || name.charAt(i) > 0x7E || name.charAt(i) == ':') return false;
        return true;
    }
}
