package dev.facteur.io;

import java.io.IOException;
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
 * A file of HMAC secrets, one a line, in postsrsd's format (SRS's and VERP's secrets): each
 * non-empty line is a secret, its bytes as they are, spaces included; only the line end (LF or
 * CRLF) is not part of it. There are no comments (postsrsd would take a comment line for a
 * secret). Nothing here ever echoes a line: it is a secret, and error messages end up in logs.
 */
public final class SecretLines {

    private SecretLines() {}

    /** The secrets in the order of the file (the first signs, by the schemes' rule); empty for a file of empty lines. */
    public static List<byte[]> read(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        List<byte[]> keys = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= bytes.length; i++) {
            if (i < bytes.length && bytes[i] != '\n') continue;
            int end = i > start && bytes[i - 1] == '\r' ? i - 1 : i;
            if (end > start) keys.add(Arrays.copyOfRange(bytes, start, end));
            start = i + 1;
        }
        return keys;
    }

    /**
     * Makes {@code file}, with its directories, when it is missing: one secret of 32 random bytes
     * in base64, readable by the owner only from the start (never a moment with other
     * permissions). Whether it made it (false: it was there, or another process made it first).
     */
    public static boolean createIfMissing(Path file) throws IOException {
        if (Files.exists(file)) return false;
        Files.createDirectories(file.toAbsolutePath().getParent());
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (FileAlreadyExistsException e) {
            return false;
        }
        Files.writeString(file, Base64.getEncoder().encodeToString(secret) + "\n");
        return true;
    }
}
