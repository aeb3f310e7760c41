package dev.facteur.dns;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * One TLSA record (RFC 6698 §2.1): which certificate of the server's chain it is about (the
 * usage), which part of it (the selector), how it is compared (the matching type), and the
 * certificate association data. Any values are kept, as DNS gave them: whether a record is
 * usable is for the client to decide (RFC 7672 §3.1, {@code dev.facteur.dane}).
 *
 * <p>It lives here, beside {@link Mx}, because it is what a DNS answer holds; DANE builds on it.
 */
public record Tlsa(int usage, int selector, int matchingType, byte[] data) {

    // Certificate usages, named as RFC 7218 §2.1 names them.
    /** A CA that must also be trusted by PKIX: unusable for SMTP (RFC 7672 §3.1.3). */
    public static final int PKIX_TA = 0;
    /** The server's certificate, which must also be trusted by PKIX: unusable for SMTP (RFC 7672 §3.1.3). */
    public static final int PKIX_EE = 1;
    /** A trust anchor of the server's chain (RFC 7672 §3.1.2). */
    public static final int DANE_TA = 2;
    /** The server's own certificate or key (RFC 7672 §3.1.1). */
    public static final int DANE_EE = 3;

    // Selectors (RFC 7218 §2.2).
    /** The whole certificate, DER. */
    public static final int CERT = 0;
    /** The SubjectPublicKeyInfo, DER. */
    public static final int SPKI = 1;

    // Matching types (RFC 7218 §2.3).
    /** The selected bytes themselves. */
    public static final int FULL = 0;
    /** Their SHA-256 digest. */
    public static final int SHA2_256 = 1;
    /** Their SHA-512 digest. */
    public static final int SHA2_512 = 2;

    public Tlsa {
        for (int field : new int[] {usage, selector, matchingType})
            if (field < 0 || field > 255) throw new IllegalArgumentException("a TLSA field is one octet, not " + field);
        data = data.clone();
    }

    /** A copy: the record stays as DNS gave it. */
    @Override
    public byte[] data() {
        return data.clone();
    }

    /**
     * The presentation form of RFC 6698 §2.2, as a zone file or {@code dig} shows it:
     * {@code "3 1 1 0c72ac70..."}. Whitespace inside the hexadecimal data is allowed.
     */
    public static Tlsa parse(String presentation) {
        String[] fields = presentation.strip().split("\\s+", 4);
        if (fields.length < 4) throw new IllegalArgumentException("expected \"usage selector matching-type data\", got \"" + presentation + "\"");
        try {
            String hex = fields[3].replaceAll("\\s+", "");
            return new Tlsa(Integer.parseInt(fields[0]), Integer.parseInt(fields[1]), Integer.parseInt(fields[2]),
                    HexFormat.of().parseHex(hex));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a TLSA record: \"" + presentation + "\"", e);
        }
    }

    /**
     * The record to publish for our own server: {@code 3 1 1}, DANE-EE(3) SPKI(1) SHA2-256(1), the
     * choice RFC 7671 §5.1 and RFC 7672 §3.1 recommend. It names the key, not the certificate, so
     * it stays right when the certificate is renewed with the same key.
     */
    public static Tlsa forCertificate(X509Certificate certificate) {
        return new Tlsa(DANE_EE, SPKI, SHA2_256, digest("SHA-256", certificate.getPublicKey().getEncoded()));
    }

    /** The mnemonic form, for logs: "DANE-EE(3) SPKI(1) SHA2-256(1)". */
    public String mnemonic() {
        return name(List.of("PKIX-TA", "PKIX-EE", "DANE-TA", "DANE-EE"), usage) + " " + name(List.of("Cert", "SPKI"), selector) + " "
                + name(List.of("Full", "SHA2-256", "SHA2-512"), matchingType);
    }

    private static String name(List<String> names, int value) {
        return (value < names.size() ? names.get(value) : "unknown") + "(" + value + ")";
    }

    static byte[] digest(String algorithm, byte[] bytes) {
        try {
            return MessageDigest.getInstance(algorithm).digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has " + algorithm, e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tlsa t && t.usage == usage && t.selector == selector && t.matchingType == matchingType
                && Arrays.equals(t.data, data);
    }

    @Override
    public int hashCode() {
        return ((usage * 31 + selector) * 31 + matchingType) * 31 + Arrays.hashCode(data);
    }

    /** The presentation form. */
    @Override
    public String toString() {
        return usage + " " + selector + " " + matchingType + " " + HexFormat.of().formatHex(data);
    }
}
