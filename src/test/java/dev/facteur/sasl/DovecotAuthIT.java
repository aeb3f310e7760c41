package dev.facteur.sasl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.smtp.Authenticator.Exchange;
import dev.facteur.smtp.Authenticator.Step;
import dev.facteur.testing.Dovecot;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Logins checked by a real Dovecot over its auth-client socket, as Postfix's smtpd_sasl_type = dovecot. */
class DovecotAuthIT {

    @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ON_SUCCESS)
    static Path dir;
    private static Dovecot dovecot;
    private static DovecotAuth auth;
    private static final InetAddress CLIENT = InetAddress.getLoopbackAddress();

    @BeforeAll
    static void start() throws Exception {
        dovecot = Dovecot.start(dir, List.of(new Dovecot.User("alice@example.test", "imap-password")));
        auth = new DovecotAuth(dovecot.authSocket(), Duration.ofSeconds(30));
    }

    @AfterAll
    static void stop() {
        if (dovecot != null) dovecot.close();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void plainWithTheImapPasswordLogsIn() {
        assertThat(auth.start("PLAIN", CLIENT, true).step(bytes("\0alice@example.test\0imap-password")))
                .isEqualTo(new Step.Success("alice@example.test"));
    }

    @Test
    void aWrongPasswordIsRefusedWith535() {
        assertThat(auth.start("PLAIN", CLIENT, true).step(bytes("\0alice@example.test\0wrong")))
                .isInstanceOfSatisfying(Step.Failure.class, f -> assertThat(f.reply()).isEqualTo(Logins.INVALID));
    }

    @Test
    void loginGoesThroughDovecotsChallenges() {
        Exchange e = auth.start("LOGIN", CLIENT, true);
        assertThat(e.step(null)).isInstanceOfSatisfying(Step.Challenge.class,
                c -> assertThat(new String(c.challenge(), StandardCharsets.US_ASCII)).isEqualTo("Username:"));
        assertThat(e.step(bytes("alice@example.test"))).isInstanceOf(Step.Challenge.class);
        assertThat(e.step(bytes("imap-password"))).isEqualTo(new Step.Success("alice@example.test"));
    }

    @Test
    void plainWithoutAnInitialResponseGetsDovecotsEmptyChallenge() {
        Exchange e = auth.start("PLAIN", CLIENT, true);
        assertThat(e.step(null)).isInstanceOfSatisfying(Step.Challenge.class, c -> assertThat(c.challenge()).isEmpty());
        assertThat(e.step(bytes("\0alice@example.test\0imap-password"))).isInstanceOf(Step.Success.class);
    }

    @Test
    void aDovecotThatIsNotThereIsATemporaryFailure() {
        var nowhere = new DovecotAuth(dir.resolve("no-such-socket"), Duration.ofSeconds(5));
        assertThat(nowhere.start("PLAIN", CLIENT, true).step(bytes("\0alice@example.test\0imap-password")))
                .isInstanceOfSatisfying(Step.Failure.class, f -> assertThat(f.reply().code()).isEqualTo(454));
    }
}
