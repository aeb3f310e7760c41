package dev.facteur.sasl;

import dev.facteur.smtp.Authenticator;
import dev.facteur.smtp.Reply;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
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
 * answer does not tell which users exist. A login verified in the last five minutes with the
 * same password and stored hash skips the check ({@link VerifiedLogins}).
 */
public final class Logins implements Authenticator {

    /** RFC 4954 §6: the credentials are wrong (or the user unknown: the reply does not say which). */
    public static final Reply INVALID = new Reply(535, "5.7.8", "Authentication credentials invalid");
    /** How long a verified login skips the check unless configured. */
    public static final java.time.Duration DEFAULT_VERIFIED_FOR = java.time.Duration.ofMinutes(5);
    static final Reply MALFORMED = new Reply(501, "5.5.2", "Malformed authentication response");
    static final Reply NEEDS_TLS = new Reply(538, "5.7.11", "Encryption required for requested authentication mechanism");

    private final Supplier<Map<String, PasswordHash>> users;
    private final Semaphore checks;
    /** Checked when the user is unknown, so that the answer takes as long. */
    private final PasswordHash decoy;

    /** The server's part of SCRAM nonces. */
    private final Supplier<String> nonces;
    /** Logins verified in the last minutes: a repeated login skips the expensive check; null: none kept. */
    private final VerifiedLogins verified;

    /**
     * @param users            the current users (a reloading file's contents)
     * @param concurrentChecks password checks at once
     */
    public Logins(Supplier<Map<String, PasswordHash>> users, int concurrentChecks) {
        this(users, concurrentChecks, DEFAULT_VERIFIED_FOR);
    }

    /** {@code verifiedFor}: how long a verified login skips the check on its next login; zero: never. */
    public Logins(Supplier<Map<String, PasswordHash>> users, int concurrentChecks, java.time.Duration verifiedFor) {
        this(users, concurrentChecks, verifiedFor, Logins::randomNonce);
    }

    Logins(Supplier<Map<String, PasswordHash>> users, int concurrentChecks, Supplier<String> nonces) {
        this(users, concurrentChecks, DEFAULT_VERIFIED_FOR, nonces);
    }

    private Logins(Supplier<Map<String, PasswordHash>> users, int concurrentChecks, java.time.Duration verifiedFor, Supplier<String> nonces) {
        if (concurrentChecks < 1) throw new IllegalArgumentException("at least one password check at a time");
        this.users = users;
        this.nonces = nonces;
        this.verified = verifiedFor.isPositive() ? new VerifiedLogins(java.time.Clock.systemUTC(), verifiedFor, 10_000) : null;
        this.checks = new Semaphore(concurrentChecks, true);
        this.decoy = PasswordHash.of("decoy".toCharArray(), PasswordHash.Scheme.values()[0]);
    }

    /**
     * SCRAM-SHA-256 first (it proves the password without sending it, and works for the users whose
     * entry is {@code {SCRAM-SHA-256}}), then PLAIN and LOGIN.
     */
    @Override
    public List<String> mechanisms(boolean tls) {
        return tls ? List.of("SCRAM-SHA-256", "PLAIN", "LOGIN") : List.of();
    }

    @Override
    public Exchange start(String mechanism, InetAddress client, boolean tls) {
        Exchange exchange = switch (mechanism) {
            case "PLAIN" -> new Plain();
            case "LOGIN" -> new Login();
            case "SCRAM-SHA-256" -> new ScramExchange();
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
            hash = users.get().get(user);
            if (hash != null && verified != null && verified.verified(user, hash, password)) return new Step.Success(user);
            checks.acquire();
            try {
                ok = (hash == null ? decoy : hash).matches(password) && hash != null;
            } finally {
                checks.release();
            }
            if (ok) {
                if (verified != null) verified.remember(user, hash, password);
                return new Step.Success(user);
            }
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

    /**
     * SCRAM-SHA-256 (RFC 5802, RFC 7677), without channel binding: client-first, server-first,
     * client-final with its proof, server-final with the server's signature (a 334 the client
     * answers empty), then 235. A user without SCRAM keys (unknown, or another scheme) goes through
     * the same steps with made-up keys and fails at the proof: the answer tells nothing.
     */
    private final class ScramExchange implements Exchange {
        private String user, gs2Header, clientFirstBare, serverFirst, nonce;
        private Scram keys;
        private boolean real;
        private byte[] serverSignature;

        @Override
        public Step step(byte[] response) {
            String text = response == null ? null : utf8(response, 0, response.length);
            if (response != null && text == null) return new Step.Failure(MALFORMED, "not UTF-8");
            if (clientFirstBare == null) return text == null ? new Step.Challenge(new byte[0]) : clientFirst(text);
            if (serverSignature == null) return clientFinal(text);
            return new Step.Success(user); // the client's empty answer to server-final (SMTP has no success data, RFC 4954 §4)
        }

        private Step clientFirst(String text) {
            // gs2-header: "n," or "y," (no channel binding), then an optional a=authzid, then ","
            if (!(text.startsWith("n,") || text.startsWith("y,"))) return new Step.Failure(MALFORMED, "channel binding is not offered");
            int second = text.indexOf(',', 2);
            if (second < 0) return new Step.Failure(MALFORMED, "no gs2 header");
            gs2Header = text.substring(0, second + 1);
            String authzid = text.substring(2, second);
            clientFirstBare = text.substring(second + 1);
            String n = attribute(clientFirstBare, "n"), r = attribute(clientFirstBare, "r");
            if (n == null || r == null || r.isEmpty() || r.contains(",")) return new Step.Failure(MALFORMED, "no n= or r=");
            if (clientFirstBare.startsWith("m=")) return new Step.Failure(MALFORMED, "mandatory extension");
            user = n.replace("=2C", ",").replace("=3D", "=");
            if (!authzid.isEmpty() && !authzid.equals("a=" + n)) return new Step.Failure(INVALID, "may not act as " + authzid);
            PasswordHash hash = users.get().get(user);
            keys = hash == null ? null : hash.scram();
            real = keys != null;
            if (!real) keys = Scram.of(randomNonce().toCharArray(), randomNonce().getBytes(StandardCharsets.US_ASCII), Scram.ITERATIONS);
            nonce = r + nonces.get();
            serverFirst = "r=" + nonce + ",s=" + Base64.getEncoder().encodeToString(keys.salt()) + ",i=" + keys.iterations();
            return new Step.Challenge(serverFirst.getBytes(StandardCharsets.US_ASCII));
        }

        private Step clientFinal(String text) {
            if (text == null) return new Step.Failure(MALFORMED, "no client-final message");
            int p = text.lastIndexOf(",p=");
            if (p < 0) return new Step.Failure(MALFORMED, "no proof");
            String withoutProof = text.substring(0, p);
            String c = attribute(text, "c"), r = attribute(text, "r");
            byte[] proof;
            try {
                proof = Base64.getDecoder().decode(text.substring(p + 3));
            } catch (IllegalArgumentException e) {
                return new Step.Failure(MALFORMED, "the proof is not base64");
            }
            if (!Base64.getEncoder().encodeToString(gs2Header.getBytes(StandardCharsets.UTF_8)).equals(c) || !nonce.equals(r))
                return new Step.Failure(MALFORMED, "channel binding or nonce does not match");
            byte[] authMessage = (clientFirstBare + "," + serverFirst + "," + withoutProof).getBytes(StandardCharsets.UTF_8);
            byte[] signature = Scram.hmac(keys.storedKey(), authMessage);
            if (proof.length != signature.length) return new Step.Failure(INVALID, "wrong proof for " + user);
            byte[] clientKey = new byte[proof.length];
            for (int i = 0; i < proof.length; i++) clientKey[i] = (byte) (proof[i] ^ signature[i]);
            if (!MessageDigest.isEqual(Scram.sha256(clientKey), keys.storedKey()) || !real)
                return new Step.Failure(INVALID, real ? "wrong password for " + user : "no SCRAM keys for " + user);
            serverSignature = Scram.hmac(keys.serverKey(), authMessage);
            return new Step.Challenge(("v=" + Base64.getEncoder().encodeToString(serverSignature)).getBytes(StandardCharsets.US_ASCII));
        }

        private static String attribute(String message, String name) {
            for (String a : message.split(",")) if (a.startsWith(name + "=")) return a.substring(name.length() + 1);
            return null;
        }
    }

    private static String randomNonce() {
        byte[] b = new byte[18];
        RANDOM.nextBytes(b);
        return Base64.getEncoder().encodeToString(b);
    }

    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

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
