package dev.facteur.sasl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.smtp.Authenticator.Exchange;
import dev.facteur.smtp.Authenticator.Step;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** SCRAM-SHA-256 (RFC 7677), with its example exchange, and keys as Dovecot's doveadm writes them. */
class ScramTest {

    /** RFC 7677 §3: user "user", password "pencil", salt W22ZaJ0SNY7soEsUEjb6gQ==, 4096 iterations. */
    private static final PasswordHash RFC_USER = PasswordHash.parse("{SCRAM-SHA-256}" + Scram.of("pencil".toCharArray(),
            Base64.getDecoder().decode("W22ZaJ0SNY7soEsUEjb6gQ=="), 4096));

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(Step s) {
        return new String(((Step.Challenge) s).challenge(), StandardCharsets.UTF_8);
    }

    private Exchange rfcExchange(Map<String, PasswordHash> users) {
        var nonces = new ArrayDeque<>(List.of("%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"));
        Logins logins = new Logins(() -> users, 1, () -> nonces.isEmpty() ? "x" : nonces.removeFirst());
        return logins.start("SCRAM-SHA-256", InetAddress.getLoopbackAddress(), true);
    }

    @Test
    void theRfcExampleExchangeLogsInAndTheServerProvesItKnowsTheKeys() {
        Exchange e = rfcExchange(Map.of("user", RFC_USER));
        assertThat(text(e.step(bytes("n,,n=user,r=rOprNGfwEbeRWgbNEkqO"))))
                .isEqualTo("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096");
        assertThat(text(e.step(bytes("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="))))
                .isEqualTo("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
        assertThat(e.step(new byte[0])).isEqualTo(new Step.Success("user"));
    }

    @Test
    void aWrongProofAnUnknownUserAndAnotherSchemeAllFailAtTheProof() {
        String proof = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=";
        Exchange wrong = rfcExchange(Map.of("user", RFC_USER));
        wrong.step(bytes("n,,n=user,r=rOprNGfwEbeRWgbNEkqO"));
        assertThat(wrong.step(bytes(proof + Base64.getEncoder().encodeToString(new byte[32])))).isInstanceOfSatisfying(Step.Failure.class,
                f -> assertThat(f.reply()).isEqualTo(Logins.INVALID));
        for (var users : List.of(Map.<String, PasswordHash>of(), Map.of("user", PasswordHash.of("pencil".toCharArray(), PasswordHash.Scheme.SHA512_CRYPT)))) {
            Exchange e = rfcExchange(users);
            assertThat(text(e.step(bytes("n,,n=user,r=rOprNGfwEbeRWgbNEkqO")))).as("made-up keys, same shape").startsWith("r=").contains(",s=")
                    .endsWith(",i=4096");
            assertThat(e.step(bytes(proof + "dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="))).isInstanceOfSatisfying(Step.Failure.class,
                    f -> assertThat(f.reply()).isEqualTo(Logins.INVALID));
        }
    }

    @Test
    void channelBindingAndAMismatchedNonceAreRefused() {
        assertThat(rfcExchange(Map.of("user", RFC_USER)).step(bytes("p=tls-unique,,n=user,r=abc"))).isInstanceOf(Step.Failure.class);
        Exchange e = rfcExchange(Map.of("user", RFC_USER));
        e.step(bytes("n,,n=user,r=rOprNGfwEbeRWgbNEkqO"));
        assertThat(e.step(bytes("c=biws,r=other,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="))).isInstanceOfSatisfying(Step.Failure.class,
                f -> assertThat(f.reply().code()).isEqualTo(501));
    }

    @Test
    void doveadmsScramKeysMatchTheirPasswordForPlainToo() { // doveadm pw -s SCRAM-SHA-256 -p 'pässword 1'
        PasswordHash h = PasswordHash.parse("{SCRAM-SHA-256}4096,dDHTQODBEKGeBk2APbM/jQ==,sU0zCeqvElpoh2g2NrW5TDUUISf/G8+dR8b5tmiaxF0=,"
                + "ajtoUHa5PsdvFah6BiYLPFUd/207wvPxu/c8Aur8KCY=");
        assertThat(h.matches("pässword 1".toCharArray())).isTrue();
        assertThat(h.matches("password 1".toCharArray())).isFalse();
        assertThat(PasswordHash.parse(PasswordHash.of("x".toCharArray(), PasswordHash.Scheme.SCRAM_SHA_256).toString()).matches("x".toCharArray()))
                .isTrue();
    }
}
