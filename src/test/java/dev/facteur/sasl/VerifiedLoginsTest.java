package dev.facteur.sasl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.testing.ManualClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** A login verified lately skips the expensive check, only with the same password and stored hash, and not forever. */
class VerifiedLoginsTest {

    private final ManualClock clock = ManualClock.at(Instant.parse("2026-12-01T10:00:00Z"));
    private final VerifiedLogins cache = new VerifiedLogins(clock, Duration.ofMinutes(5), 2);
    private final PasswordHash hash = PasswordHash.of("pw".toCharArray(), PasswordHash.Scheme.SHA512_CRYPT);

    @Test
    void theSamePasswordAgainstTheSameHashIsKnownUntilItExpires() {
        assertThat(cache.verified("alice", hash, "pw".toCharArray())).isFalse();
        cache.remember("alice", hash, "pw".toCharArray());
        assertThat(cache.verified("alice", hash, "pw".toCharArray())).isTrue();
        assertThat(cache.verified("alice", hash, "pW".toCharArray())).as("another password").isFalse();
        assertThat(cache.verified("bob", hash, "pw".toCharArray())).as("another user").isFalse();
        clock.advance(Duration.ofMinutes(6));
        assertThat(cache.verified("alice", hash, "pw".toCharArray())).isFalse();
    }

    @Test
    void aChangedPasswordVoidsWhatWasVerified() {
        cache.remember("alice", hash, "pw".toCharArray());
        PasswordHash changed = PasswordHash.of("pw".toCharArray(), PasswordHash.Scheme.SHA512_CRYPT); // same password, new salt: a new entry
        assertThat(cache.verified("alice", changed, "pw".toCharArray())).isFalse();
    }

    @Test
    void itHoldsAtMostItsCapacity() {
        for (String u : new String[] {"a", "b", "c"}) cache.remember(u, hash, "pw".toCharArray());
        assertThat(cache.verified("a", hash, "pw".toCharArray())).as("the oldest went").isFalse();
        assertThat(cache.verified("c", hash, "pw".toCharArray())).isTrue();
    }
}
