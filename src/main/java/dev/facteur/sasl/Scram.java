package dev.facteur.sasl;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.text.Normalizer;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * SCRAM-SHA-256 keys (RFC 5802 §3, RFC 7677), as Dovecot stores them: {@code
 * ITERATIONS,SALT,STOREDKEY,SERVERKEY}, base64. They prove the password without holding it.
 */
record Scram(int iterations, byte[] salt, byte[] storedKey, byte[] serverKey) {

    /** RFC 7677 §4: at least 4096. */
    static final int ITERATIONS = 4096;

    static Scram parse(String stored) {
        String[] f = stored.split(",", -1);
        if (f.length != 4) throw new IllegalArgumentException("not SCRAM keys: ITERATIONS,SALT,STOREDKEY,SERVERKEY");
        try {
            int iterations = Integer.parseInt(f[0]);
            if (iterations < 1 || iterations > 10_000_000) throw new IllegalArgumentException("SCRAM iterations out of range: " + iterations);
            var b64 = Base64.getDecoder();
            Scram s = new Scram(iterations, b64.decode(f[1]), b64.decode(f[2]), b64.decode(f[3]));
            if (s.storedKey.length != 32 || s.serverKey.length != 32) throw new IllegalArgumentException("SCRAM-SHA-256 keys are 32 bytes");
            return s;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not SCRAM keys: " + e.getMessage(), e);
        }
    }

    /** The keys of {@code password} with this salt and count. */
    static Scram of(char[] password, byte[] salt, int iterations) {
        byte[] salted = saltedPassword(password, salt, iterations);
        return new Scram(iterations, salt, sha256(hmac(salted, "Client Key")), hmac(salted, "Server Key"));
    }

    /** Whether {@code password} makes these keys (PLAIN and LOGIN against a SCRAM entry). */
    boolean matches(char[] password) {
        return MessageDigest.isEqual(storedKey, of(password, salt, iterations).storedKey());
    }

    /** RFC 5802 §3: Hi(Normalize(password), salt, i), PBKDF2 with HMAC-SHA-256; NFKC stands for SASLprep. */
    static byte[] saltedPassword(char[] password, byte[] salt, int iterations) {
        char[] normalized = Normalizer.normalize(java.nio.CharBuffer.wrap(password), Normalizer.Form.NFKC).toCharArray();
        try {
            var spec = new PBEKeySpec(normalized, salt, iterations, 256);
            try {
                return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
            } finally {
                spec.clearPassword();
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        } finally {
            Arrays.fill(normalized, '\0');
        }
    }

    static byte[] hmac(byte[] key, String text) {
        return hmac(key, text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    static byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        var b64 = Base64.getEncoder();
        return iterations + "," + b64.encodeToString(salt) + "," + b64.encodeToString(storedKey) + "," + b64.encodeToString(serverKey);
    }
}
