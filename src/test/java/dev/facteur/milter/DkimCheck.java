package dev.facteur.milter;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks the first DKIM-Signature of a message as a receiving verifier would (RFC 6376 §6.1),
 * for rsa-sha256 with simple/simple canonicalization only: the message's exact bytes count,
 * which is the point of the test that uses it.
 */
public final class DkimCheck {

    private DkimCheck() {}

    /** "pass", or what failed. */
    public static String verify(byte[] message, PublicKey key) throws GeneralSecurityException {
        String text = new String(message, StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        List<String> fields = fields(text.substring(0, end + 2));
        String body = text.substring(end + 4);
        String signature = fields.stream().filter(f -> name(f).equalsIgnoreCase("DKIM-Signature")).findFirst().orElse(null);
        if (signature == null) return "no signature";
        Map<String, String> tags = tags(signature.substring(signature.indexOf(':') + 1));
        if (!"rsa-sha256".equals(tags.get("a")) || !"simple/simple".equals(tags.get("c"))) return "not rsa-sha256 simple/simple: " + tags;
        // §3.4.3: simple body canonicalization drops the empty lines at the end, but keeps one CRLF
        while (body.endsWith("\r\n\r\n")) body = body.substring(0, body.length() - 2);
        if (body.isEmpty()) body = "\r\n";
        String bodyHash = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(bytes(body)));
        if (!bodyHash.equals(tags.get("bh"))) return "body hash " + bodyHash + ", signed " + tags.get("bh");
        // §5.4.2: each name in h= takes the last field of that name not yet taken
        StringBuilder signed = new StringBuilder();
        List<String> left = new ArrayList<>(fields);
        for (String name : tags.get("h").split(":")) {
            for (int i = left.size() - 1; i >= 0; i--) {
                if (name(left.get(i)).equalsIgnoreCase(name.strip())) {
                    signed.append(left.remove(i));
                    break;
                }
            }
        }
        // §3.7: then the signature field itself without its CRLF, and with b= empty
        String field = signature.substring(0, signature.length() - 2);
        Matcher b = Pattern.compile("(^|;)(\\s*b\\s*=)[^;]*").matcher(field);
        if (!b.find()) return "no b= tag";
        signed.append(field, 0, b.end(2)).append(field.substring(b.end()));
        Signature rsa = Signature.getInstance("SHA256withRSA");
        rsa.initVerify(key);
        rsa.update(bytes(signed.toString()));
        return rsa.verify(Base64.getDecoder().decode(tags.get("b"))) ? "pass" : "signature does not verify";
    }

    /** The header section's fields, each whole: its continuation lines and CRLFs included. */
    private static List<String> fields(String header) {
        List<String> out = new ArrayList<>();
        for (String line : header.split("(?<=\r\n)")) {
            if ((line.startsWith(" ") || line.startsWith("\t")) && !out.isEmpty()) out.set(out.size() - 1, out.getLast() + line);
            else out.add(line);
        }
        return out;
    }

    private static String name(String field) {
        return field.substring(0, Math.max(0, field.indexOf(':'))).strip().toLowerCase(Locale.ROOT);
    }

    /** tag=value; pairs, white space removed (it is folding only, in the tags this check reads). */
    private static Map<String, String> tags(String value) {
        Map<String, String> tags = new HashMap<>();
        for (String t : value.split(";")) {
            int eq = t.indexOf('=');
            if (eq > 0) tags.put(t.substring(0, eq).strip(), t.substring(eq + 1).replaceAll("\\s+", ""));
        }
        return tags;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
