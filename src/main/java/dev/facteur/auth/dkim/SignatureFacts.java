package dev.facteur.auth.dkim;

import dev.facteur.message.HeaderSection;
import java.util.Locale;
import java.util.OptionalLong;

/**
 * What a DKIM result is about: the signature's properties as RFC 8601 §2.7.1 and RFC 6008 report
 * them, and what checking it taught. Each is empty ("", 0) when it could not be learnt: a
 * signature too broken to read still has what its tags say, as far as they can be told apart.
 *
 * @param domain             {@code d=} ({@code header.d})
 * @param identity           {@code i=}, or {@code @d} when absent ({@code header.i})
 * @param selector           {@code s=} ({@code header.s})
 * @param algorithm          {@code a=} ({@code header.a})
 * @param headerB            the first characters of {@code b=}, enough to tell this signature from the message's others ({@code header.b})
 * @param keyBits            the key's size: the RSA modulus, 256 for Ed25519; 0 when no key was read
 * @param testing            the key record says {@code t=y}: the domain is testing DKIM (RFC 6376 §3.6.1)
 * @param bodyLength         {@code l=}, when the signature covers only the start of the body
 * @param unsignedBodyOctets how much of the canonicalized body follows the {@code l=} octets: content anyone may have added
 */
public record SignatureFacts(String domain, String identity, String selector, String algorithm, String headerB, int keyBits,
        boolean testing, OptionalLong bodyLength, long unsignedBodyOctets) {

    /** RFC 6008 §4: at least eight characters of b=; more when another signature of the message starts alike. */
    public static final int HEADER_B_LENGTH = 8;

    /** A result about no particular signature (the header section could not be read). */
    public static final SignatureFacts NONE = new SignatureFacts("", "", "", "", "", 0, false, OptionalLong.empty(), 0);

    /** What a signature that read says about itself. */
    public static SignatureFacts of(DkimSignature s) {
        return new SignatureFacts(s.domain(), s.identity(), s.selector(), s.algorithm().toString(), prefix(s.bText()), 0, false,
                s.bodyLength(), 0);
    }

    /** The b= value of a signature field, without white space, as far as it can be told; "" when there is none. */
    public static String bOf(String field) {
        for (String spec : HeaderSection.value(field).split(";")) {
            int eq = spec.indexOf('=');
            if (eq >= 0 && TagList.compact(spec.substring(0, eq)).equals("b")) return TagList.compact(spec.substring(eq + 1));
        }
        return "";
    }

    /** What can be told of a field that did not read as a signature: each tag that looks like one, taken as it is. */
    public static SignatureFacts guess(String field) {
        String d = "", i = "", s = "", a = "", b = "";
        for (String spec : HeaderSection.value(field).split(";")) {
            int eq = spec.indexOf('=');
            if (eq < 0) continue;
            String value = TagList.compact(spec.substring(eq + 1));
            switch (TagList.compact(spec.substring(0, eq))) {
                case "d" -> d = value.toLowerCase(Locale.ROOT);
                case "i" -> i = value;
                case "s" -> s = value;
                case "a" -> a = value.toLowerCase(Locale.ROOT);
                case "b" -> b = value;
                default -> {}
            }
        }
        if (i.isEmpty() && !d.isEmpty()) i = "@" + d;
        return new SignatureFacts(d, i, s, a, prefix(b), 0, false, OptionalLong.empty(), 0);
    }

    public SignatureFacts withKey(KeyRecord key) {
        return new SignatureFacts(domain, identity, selector, algorithm, headerB, key.bits(), key.testing(), bodyLength, unsignedBodyOctets);
    }

    public SignatureFacts withUnsignedBodyOctets(long octets) {
        return new SignatureFacts(domain, identity, selector, algorithm, headerB, keyBits, testing, bodyLength, octets);
    }

    public SignatureFacts withHeaderB(String b) {
        return new SignatureFacts(domain, identity, selector, algorithm, b, keyBits, testing, bodyLength, unsignedBodyOctets);
    }

    /** Content after the l= octets was not signed: a caller should not trust it (RFC 6376 §8.2). */
    public boolean partiallySigned() {
        return unsignedBodyOctets > 0;
    }

    private static String prefix(String b) {
        return b.substring(0, Math.min(HEADER_B_LENGTH, b.length()));
    }
}
