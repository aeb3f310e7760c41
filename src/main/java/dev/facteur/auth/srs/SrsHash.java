package dev.facteur.auth.srs;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The hash of an SRS address, defined as libsrs2 defines it so that postsrsd's addresses verify
 * here and ours there: HMAC-SHA1 keyed with the secret, over the fields concatenated with nothing
 * between them, each with its ASCII letters lowercased (and every other byte, UTF-8 included, as
 * it is), then base64 (RFC 4648 §4, the {@code +/} alphabet), of which the first four characters.
 * The fields are, for SRS0, the day stamp, the original domain and the original local part; for
 * SRS1, the first forwarder's domain and the rest of the SRS0 local part after its {@code SRS0}
 * tag, separator included.
 *
 * <p>Lowercasing makes the hash blind to case changes that mailers make to addresses on the way,
 * and so does the comparison when verifying, as in libsrs2: the hash then carries a little less
 * than 24 bits, the price of bounces that still come home.
 */
final class SrsHash {

    static final int LENGTH = 4;
    private static final String ALGORITHM = "HmacSHA1";

    /** One keyed Mac a secret, never used itself: each hash works on a clone (a Mac is not thread-safe). */
    private final List<Mac> keyed;

    SrsHash(SrsSecrets secrets) {
        this.keyed = secrets.keys().stream().map(SrsHash::keyed).toList();
    }

    /** The hash with the signing (first) secret. */
    String sign(String... fields) {
        return hash(keyed.getFirst(), fields);
    }

    /** Whether {@code hash} is the hash of {@code fields} with one of the secrets, case aside. */
    boolean verifies(String hash, String... fields) {
        byte[] given = asciiLowercase(hash).getBytes(StandardCharsets.UTF_8);
        boolean found = false;
        for (Mac key : keyed) {
            byte[] expected = asciiLowercase(hash(key, fields)).getBytes(StandardCharsets.UTF_8);
            found |= MessageDigest.isEqual(given, expected); // no early exit: every secret costs the same
        }
        return found;
    }

    private static String hash(Mac key, String... fields) {
        Mac mac = copy(key);
        for (String f : fields) mac.update(asciiLowercase(f).getBytes(StandardCharsets.UTF_8));
        return Base64.getEncoder().encodeToString(mac.doFinal()).substring(0, LENGTH);
    }

    private static Mac keyed(byte[] secret) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(new SecretKeySpec(secret, ALGORITHM));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every JDK has " + ALGORITHM, e);
        }
    }

    /** A fresh Mac with the same key: a clone costs far less than looking the algorithm up again. */
    private static Mac copy(Mac keyed) {
        try {
            return (Mac) keyed.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("the JDK's " + ALGORITHM + " can be cloned", e);
        }
    }

    /** Lowercases A-Z only, as C's tolower in the C locale that postsrsd runs in. */
    static String asciiLowercase(String s) {
        StringBuilder out = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                if (out == null) out = new StringBuilder(s);
                out.setCharAt(i, (char) (c + ('a' - 'A')));
            }
        }
        return out == null ? s : out.toString();
    }
}
