package dev.facteur.admin;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * One accepted admin token, kept as its SHA-256 digest: comparing digests of equal length
 * with {@link MessageDigest#isEqual} takes the same time whatever the token presented, so the
 * time of a refusal tells nothing about how much of a guess was right.
 *
 * @param line  where the token is in the token file, to tell tokens apart without showing them
 * @param scope what it may do
 */
record Token(byte[] sha256, int line, Scope scope) {

    static Token of(String token, int line, Scope scope) {
        return new Token(digest(token), line, scope);
    }

    /** True when {@code presented} is this token. */
    boolean matches(byte[] presentedSha256) {
        return MessageDigest.isEqual(sha256, presentedSha256);
    }

    static byte[] digest(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
