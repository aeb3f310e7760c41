package dev.facteur.sasl;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Logins verified lately, so that a client that logs in again and again (a phone polling, a
 * script sending a message per connection) does not pay an Argon2 check each time: a keyed hash
 * of the password is kept per user for {@code ttl}, and only while the user's stored hash is the
 * one it was verified against (a new password, or a removed user, voids it). The key is random per
 * process, so what is kept is no password, and no hash that outlives the process. Only successes
 * are kept: a wrong password always costs a full check.
 */
final class VerifiedLogins {

    private record Verified(String storedHash, byte[] mac, long expiresAt) {}

    private final byte[] key = new byte[32];
    private final Clock clock;
    private final Duration ttl;
    private final int capacity;
    private final Map<String, Verified> entries;

    VerifiedLogins(Clock clock, Duration ttl, int capacity) {
        new SecureRandom().nextBytes(key);
        this.clock = clock;
        this.ttl = ttl;
        this.capacity = capacity;
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Verified> eldest) {
                return size() > VerifiedLogins.this.capacity;
            }
        };
    }

    /** Whether {@code user} logged in with this password, against this stored hash, within the ttl. */
    synchronized boolean verified(String user, PasswordHash stored, char[] password) {
        Verified e = entries.get(user);
        if (e == null || e.expiresAt() < clock.millis() || !e.storedHash().equals(stored.toString())) return false;
        return MessageDigest.isEqual(e.mac(), mac(user, password));
    }

    synchronized void remember(String user, PasswordHash stored, char[] password) {
        entries.put(user, new Verified(stored.toString(), mac(user, password), clock.millis() + ttl.toMillis()));
    }

    private byte[] mac(String user, char[] password) {
        byte[] pw = PasswordHash.utf8(password);
        try {
            byte[] u = user.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            byte[] data = new byte[u.length + 1 + pw.length]; // user NUL password
            System.arraycopy(u, 0, data, 0, u.length);
            System.arraycopy(pw, 0, data, u.length + 1, pw.length);
            return Scram.hmac(key, data);
        } finally {
            java.util.Arrays.fill(pw, (byte) 0);
        }
    }
}
