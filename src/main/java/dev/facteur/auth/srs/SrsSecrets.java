package dev.facteur.auth.srs;

import dev.facteur.io.SecretLines;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * The HMAC keys of the scheme: the first signs, every one verifies, so that a secret can be
 * replaced without breaking the bounces to addresses signed with the old one (add the new one
 * first, and drop the old one once the maximum age has passed).
 *
 * <p>A secret is the bytes of its text, as libsrs2 keys its HMAC with the bytes of a C string.
 */
public final class SrsSecrets {

    private final List<byte[]> keys;

    private SrsSecrets(List<byte[]> keys) {
        if (keys.isEmpty()) throw new IllegalArgumentException("SRS needs at least one secret");
        for (byte[] k : keys)
            if (k.length == 0) throw new IllegalArgumentException("an SRS secret is empty"); // an empty key signs nothing
        this.keys = keys.stream().map(byte[]::clone).toList();
    }

    /** Secrets given in the configuration, the signing one first. */
    public static SrsSecrets of(List<String> secrets) {
        return new SrsSecrets(secrets.stream().map(s -> s.getBytes(StandardCharsets.UTF_8)).toList());
    }

    public static SrsSecrets of(String... secrets) {
        return of(List.of(secrets));
    }

    /**
     * Reads a secrets file in postsrsd's format, so that one file can serve both: each non-empty
     * line is a secret, the first signs. There are no comments (postsrsd would take a comment line
     * for a secret), and a line's spaces belong to it; only the line end (LF or CRLF) is not.
     */
    public static SrsSecrets read(Path file) throws IOException {
        List<byte[]> keys = SecretLines.read(file);
        if (keys.isEmpty()) throw new IOException(file + ": no SRS secret in the file");
        return new SrsSecrets(keys);
    }

    /** How many secrets verify; the first of them signs. */
    public int size() {
        return keys.size();
    }

    /** The keys, the signing one first; the arrays are shared, not to be changed. */
    List<byte[]> keys() {
        return keys;
    }

    @Override
    public String toString() {
        return "SrsSecrets[" + keys.size() + "]"; // never the secrets themselves
    }
}
