package dev.facteur.bounce;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * The HMAC keys of VERP tags, kept as SRS keeps its own ({@code DATA_DIR/verp.secrets}, one a
 * line): the first signs, every one verifies, so that a secret can be replaced without refusing
 * the bounces to addresses tagged with the old one (add the new one first, and drop the old one
 * once the maximum age has passed). A secret is the bytes of its line, the line end aside.
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

    /** Reads a secrets file: each non-empty line is a secret (its spaces included), the first signs. */
    public static VerpSecrets read(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        List<byte[]> keys = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= bytes.length; i++) {
            if (i < bytes.length && bytes[i] != '\n') continue;
            int end = i > start && bytes[i - 1] == '\r' ? i - 1 : i;
            if (end > start) keys.add(Arrays.copyOfRange(bytes, start, end));
            start = i + 1;
        }
        // Never echo a line: it is a secret, and error messages end up in logs.
        if (keys.isEmpty()) throw new IOException(file + ": no VERP secret in the file");
        return new VerpSecrets(keys);
    }

    /**
     * Reads the file, made first when missing: one secret of 32 random bytes (in base64), readable
     * by the owner only, created so from the start (never a moment with other permissions).
     */
    public static VerpSecrets readOrCreate(Path file) throws IOException {
        if (!Files.exists(file)) {
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            byte[] secret = new byte[32];
            new SecureRandom().nextBytes(secret);
            try {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Files.writeString(file, Base64.getEncoder().encodeToString(secret) + "\n");
            } catch (FileAlreadyExistsException e) {
                // another process made it first: its secret is the one
            }
        }
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
