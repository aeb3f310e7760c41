package dev.facteur.sasl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.smtp.Authenticator.Exchange;
import dev.facteur.smtp.Authenticator.Step;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** PLAIN (RFC 4616) and LOGIN against the users and their hashes; only over TLS. */
class LoginsTest {

    private static final PasswordHash ALICE = PasswordHash.of("s3cret é".toCharArray(), PasswordHash.Scheme.SHA512_CRYPT);
    private final Logins logins = new Logins(() -> Map.of("alice@example.org", ALICE), 1);
    private static final InetAddress CLIENT = InetAddress.getLoopbackAddress();

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private Exchange start(String mechanism) {
        return logins.start(mechanism, CLIENT, true);
    }

    @Test
    void plainWithTheRightPasswordLogsIn() {
        assertThat(start("PLAIN").step(bytes("\0alice@example.org\0s3cret é"))).isEqualTo(new Step.Success("alice@example.org"));
        assertThat(start("PLAIN").step(bytes("alice@example.org\0alice@example.org\0s3cret é"))).as("acting as oneself")
                .isEqualTo(new Step.Success("alice@example.org"));
    }

    @Test
    void plainWithoutAnInitialResponseAsksWithAnEmptyChallenge() {
        Exchange e = start("PLAIN");
        assertThat(e.step(null)).isInstanceOfSatisfying(Step.Challenge.class, c -> assertThat(c.challenge()).isEmpty());
        assertThat(e.step(bytes("\0alice@example.org\0s3cret é"))).isInstanceOf(Step.Success.class);
    }

    @Test
    void wrongPasswordsUnknownUsersAndOthersIdentitiesGet535() {
        for (String r : new String[] {"\0alice@example.org\0s3cret", "\0bob@example.org\0s3cret é", "bob@example.org\0alice@example.org\0s3cret é"}) {
            assertThat(start("PLAIN").step(bytes(r))).isInstanceOfSatisfying(Step.Failure.class,
                    f -> assertThat(f.reply()).isEqualTo(Logins.INVALID));
        }
    }

    @Test
    void aMalformedResponseIs501() {
        for (byte[] r : new byte[][] {bytes("alice s3cret"), bytes("\0\0"), bytes("\0a\0b\0c"), {0, 'a', 0, (byte) 0xff}}) {
            assertThat(start("PLAIN").step(r)).isInstanceOfSatisfying(Step.Failure.class,
                    f -> assertThat(f.reply().code()).isEqualTo(501));
        }
    }

    @Test
    void loginAsksForTheUserThenThePassword() {
        Exchange e = start("LOGIN");
        assertThat(e.step(null)).isInstanceOfSatisfying(Step.Challenge.class,
                c -> assertThat(new String(c.challenge(), StandardCharsets.US_ASCII)).isEqualTo("Username:"));
        assertThat(e.step(bytes("alice@example.org"))).isInstanceOfSatisfying(Step.Challenge.class,
                c -> assertThat(new String(c.challenge(), StandardCharsets.US_ASCII)).isEqualTo("Password:"));
        assertThat(e.step(bytes("s3cret é"))).isEqualTo(new Step.Success("alice@example.org"));
        Exchange initial = start("LOGIN"); // AUTH LOGIN with the user name as initial response
        assertThat(initial.step(bytes("alice@example.org"))).isInstanceOf(Step.Challenge.class);
        assertThat(initial.step(bytes("wrong"))).isInstanceOf(Step.Failure.class);
    }

    @Test
    void withoutTlsNothingIsOfferedAndAnExchangeEndsIn538() {
        assertThat(logins.mechanisms(false)).isEmpty();
        assertThat(logins.mechanisms(true)).containsExactly("SCRAM-SHA-256", "PLAIN", "LOGIN");
        assertThat(logins.start("PLAIN", CLIENT, false).step(bytes("\0alice@example.org\0s3cret é")))
                .isInstanceOfSatisfying(Step.Failure.class, f -> assertThat(f.reply().code()).isEqualTo(538));
        assertThat(logins.start("CRAM-MD5", CLIENT, true)).isNull();
    }
}
