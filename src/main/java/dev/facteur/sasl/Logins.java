package dev.facteur.sasl;

import dev.facteur.smtp.Authenticator;
import dev.facteur.smtp.Reply;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.function.Supplier;

/**
 * The AUTH mechanisms PLAIN (RFC 4616) and LOGIN (the de-facto one Outlook and others still use)
 * against users and their password hashes. Both send the password itself, so they are offered
 * only over TLS (RFC 4954 §4); without it the exchange ends in {@code 538 5.7.11}.
 *
 * <p>A password check is expensive on purpose (Argon2id: 64 MiB and a tenth of a second): at
 * most {@code concurrentChecks} run at once, the others wait their turn, so that a burst of
 * logins costs time, not the heap. An unknown user costs a check too, so that the time of the
 * answer does not tell which users exist.
 */
public final class Logins implements Authenticator {

    /** RFC 4954 §6: the credentials are wrong (or the user unknown: the reply does not say which). */
    public static final Reply INVALID = new Reply(535, "5.7.8", "Authentication credentials invalid");
    static final Reply MALFORMED = new Reply(501, "5.5.2", "Malformed authentication response");
    static final Reply NEEDS_TLS = new Reply(538, "5.7.11", "Encryption required for requested authentication mechanism");

    private final Supplier<Map<String, PasswordHash>> users;
    private final Semaphore checks;
    /** Checked when the user is unknown, so that the answer takes as long. */
    private final PasswordHash decoy;

    /**
     * @param users            the current users (a reloading file's contents)
     * @param concurrentChecks password checks at once
     */
    public Logins(Supplier<Map<String, PasswordHash>> users, int concurrentChecks) {
        if (concurrentChecks < 1) throw new IllegalArgumentException("at least one password check at a time");
        this.users = users;
        this.checks = new Semaphore(concurrentChecks, true);
        this.decoy = PasswordHash.of("decoy".toCharArray(), PasswordHash.Scheme.values()[0]);
    }

    @Override
    public List<String> mechanisms(boolean tls) {
        return tls ? List.of("PLAIN", "LOGIN") : List.of();
    }

    @Override
    public Exchange start(String mechanism, InetAddress client, boolean tls) {
        Exchange exchange = switch (mechanism) {
            case "PLAIN" -> new Plain();
            case "LOGIN" -> new Login();
            default -> null;
        };
        if (exchange == null || tls) return exchange;
        return response -> new Step.Failure(NEEDS_TLS, "no TLS");
    }

    /** Whether {@code password} is {@code user}'s, one check at a time per permit. */
    Step verify(String user, char[] password) {
        try {
            boolean ok;
            PasswordHash hash;
            checks.acquire();
            try {
                hash = users.get().get(user);
                ok = (hash == null ? decoy : hash).matches(password) && hash != null;
            } finally {
                checks.release();
            }
            if (ok) return new Step.Success(user);
            return new Step.Failure(INVALID, hash == null ? "no such user " + user : "wrong password for " + user);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Step.Failure(new Reply(454, "4.7.0", "Temporary authentication failure"), "interrupted");
        } finally {
            Arrays.fill(password, '\0');
        }
    }

    /** RFC 4616: {@code [authzid] NUL authcid NUL passwd}, UTF-8; acting for another identity is not allowed. */
    private final class Plain implements Exchange {
        @Override
        public Step step(byte[] response) {
            if (response == null) return new Step.Challenge(new byte[0]); // no initial response: an empty challenge asks for it
            int first = indexOf(response, 0), second = first < 0 ? -1 : indexOf(response, first + 1);
            if (second < 0 || indexOf(response, second + 1) >= 0) return new Step.Failure(MALFORMED, "not authzid NUL authcid NUL passwd");
            String authzid = utf8(response, 0, first), user = utf8(response, first + 1, second);
            char[] password = chars(response, second + 1, response.length);
            if (authzid == null || user == null || password == null || user.isEmpty()) return new Step.Failure(MALFORMED, "not UTF-8");
            if (!authzid.isEmpty() && !authzid.equals(user)) return new Step.Failure(INVALID, "may not act as " + authzid);
            return verify(user, password);
        }
    }

    /** LOGIN: "Username:", then "Password:", each answered in base64. */
    private final class Login implements Exchange {
        private String user;

        @Override
        public Step step(byte[] response) {
            if (user == null) {
                if (response == null || response.length == 0) return new Step.Challenge("Username:".getBytes(StandardCharsets.US_ASCII));
                user = utf8(response, 0, response.length);
                if (user == null) return new Step.Failure(MALFORMED, "not UTF-8");
                return new Step.Challenge("Password:".getBytes(StandardCharsets.US_ASCII));
            }
            char[] password = chars(response, 0, response.length);
            if (password == null) return new Step.Failure(MALFORMED, "not UTF-8");
            return verify(user, password);
        }
    }

    private static int indexOf(byte[] b, int from) {
        for (int i = from; i < b.length; i++) if (b[i] == 0) return i;
        return -1;
    }

    private static String utf8(byte[] b, int from, int to) {
        char[] c = chars(b, from, to);
        return c == null ? null : new String(c);
    }

    private static char[] chars(byte[] b, int from, int to) {
        try {
            var decoded = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b, from, to - from));
            char[] out = new char[decoded.remaining()];
            decoded.get(out);
            return out;
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
