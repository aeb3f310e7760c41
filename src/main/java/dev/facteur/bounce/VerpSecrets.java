package dev.facteur.bounce;

import dev.facteur.io.SecretLines;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * The HMAC keys of VERP tags, kept as SRS keeps its own ({@code DATA_DIR/verp.secrets}, one a
 * line, {@link SecretLines}): the first signs, every one verifies, so that a secret can be
 * replaced without refusing the bounces to addresses tagged with the old one (add the new one
 * first, and drop the old one once the maximum age has passed).
 */
public final class VerpSecrets {

    private final List<byte[]> keys;

    private VerpSecrets(List<byte[]> keys) {
        if (keys.isEmpty()) throw new IllegalArgumentException("VERP needs at least one secret");
        for (byte[] k : keys)
            if (k.length == 0) throw new IllegalArgumentException("a VERP secret is empty"); // an empty key signs nothing
        this.keys = keys.stream().map(byte[]::clone).toList();
    }

    /** Secrets given in code or tests, the signing one first. */
    public static VerpSecrets of(String... secrets) {
        return new VerpSecrets(Arrays.stream(secrets).map(s -> s.getBytes(StandardCharsets.UTF_8)).toList());
    }

    /** Reads a secrets file ({@link SecretLines}: one a line, spaces included), the signing one first. */
    public static VerpSecrets read(Path file) throws IOException {
        List<byte[]> keys = SecretLines.read(file);
        if (keys.isEmpty()) throw new IOException(file + ": no VERP secret in the file");
        return new VerpSecrets(keys);
    }

    /** Reads the file, made first when missing ({@link SecretLines#createIfMissing}: one random secret, mode 0600). */
    public static VerpSecrets readOrCreate(Path file) throws IOException {
        SecretLines.createIfMissing(file);
        return read(file);
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
        return "VerpSecrets[" + keys.size() + "]"; // never the secrets themselves
    }
}
