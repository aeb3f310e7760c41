package dev.facteur.sasl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.smtp.Authenticator.Step;
import dev.facteur.store.MemoryRateStore;
import dev.facteur.testing.ManualClock;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Password guessing is slowed, then refused, per address, per login and address, per login; the owner is not locked out. */
class FailedLoginsTest {

    private static final PasswordHash PW = PasswordHash.of("right".toCharArray(), PasswordHash.Scheme.SHA512_CRYPT);
    private final ManualClock clock = ManualClock.at(Instant.parse("2026-12-01T10:00:00Z"));
    private final List<Duration> waited = new ArrayList<>();
    private final Throttled logins = new Throttled(new Logins(() -> Map.of("alice", PW, "bob", PW), 1),
            new FailedLogins(new MemoryRateStore(), clock, new FailedLogins.Limits(Duration.ofMinutes(15), 10, 5, 30)), waited::add);

    private Step login(String user, String password, String from) throws Exception {
        return logins.start("PLAIN", InetAddress.getByName(from), true)
                .step(("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static int code(Step s) {
        return s instanceof Step.Failure f ? f.reply().code() : 235;
    }

    @Test
    void eachFailureFromAnAddressWaitsTwiceAsLongUpToALimit() throws Exception {
        for (int i = 0; i < 7; i++) login(i % 2 == 0 ? "alice" : "nobody" + i, "wrong", "192.0.2.1");
        assertThat(waited).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4), Duration.ofSeconds(8),
                Duration.ofSeconds(16), Duration.ofSeconds(16), Duration.ofSeconds(16));
    }

    @Test
    void aPairThatFailsTooOftenIsRefusedBeforeAnyPasswordCheckUntilTheWindowPasses() throws Exception {
        for (int i = 0; i < 5; i++) assertThat(code(login("alice", "wrong", "192.0.2.1"))).isEqualTo(535);
        assertThat(login("alice", "right", "192.0.2.1")).isInstanceOfSatisfying(Step.Failure.class,
                f -> assertThat(f.reply()).isEqualTo(FailedLogins.TOO_MANY));
        assertThat(code(login("bob", "right", "192.0.2.1"))).as("another login from there").isEqualTo(235);
        assertThat(code(login("alice", "right", "192.0.2.2"))).as("the same login from elsewhere").isEqualTo(235);
        clock.advance(Duration.ofMinutes(31)); // two windows: the sliding estimate forgets them
        assertThat(code(login("alice", "right", "192.0.2.1"))).isEqualTo(235);
    }

    @Test
    void anAddressThatFailsTooOftenIsRefusedForEveryLogin() throws Exception {
        for (int i = 0; i < 10; i++) login("user" + i, "wrong", "192.0.2.9");
        assertThat(code(login("alice", "right", "192.0.2.9"))).isEqualTo(454);
        assertThat(code(login("alice", "right", "192.0.2.10"))).isEqualTo(235);
    }

    @Test
    void guessingSpreadOverManyAddressesLocksStrangersOutButNotTheOwnersAddress() throws Exception {
        assertThat(code(login("alice", "right", "198.51.100.7"))).as("alice's own address, known from a login").isEqualTo(235);
        for (int i = 1; i <= 30; i++) login("alice", "wrong", "203.0.113." + i);
        assertThat(code(login("alice", "right", "203.0.113.200"))).as("a stranger, even with the password").isEqualTo(454);
        assertThat(code(login("alice", "right", "198.51.100.7"))).as("the owner is not locked out").isEqualTo(235);
    }

    @Test
    void loginsUserIsReadFromItsFirstResponseAndThrottledAtItsPassword() throws Exception {
        for (int i = 0; i < 5; i++) login("alice", "wrong", "192.0.2.1");
        var e = logins.start("LOGIN", InetAddress.getByName("192.0.2.1"), true);
        e.step(null);
        e.step("alice".getBytes(StandardCharsets.UTF_8));
        assertThat(code(e.step("right".getBytes(StandardCharsets.UTF_8)))).isEqualTo(454);
    }

    @Test
    void anIpv6ClientsNetworkCountsAsOneAddress() throws Exception {
        for (int i = 1; i <= 10; i++) login("user" + i, "wrong", "2001:db8:1:2::" + Integer.toHexString(i));
        assertThat(code(login("alice", "right", "2001:db8:1:2::ffff"))).isEqualTo(454);
        assertThat(code(login("alice", "right", "2001:db8:1:3::1"))).isEqualTo(235);
    }
}
