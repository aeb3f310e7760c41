package dev.facteur.sasl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Passwords stored as Dovecot stores them: hashes written by doveadm pw (Dovecot 2.3, Debian) read and checked here. */
class PasswordHashTest {

    /** Written by {@code doveadm pw -s SCHEME -p 'pässword 1'}: a non-ASCII password goes in as UTF-8. */
    private static final String[] DOVEADM = {
        "{SHA512-CRYPT}$6$FnKNxKbe0pSrLFY1$gD8ll/FUoHcSyvhsKrzfSzd0wK49GkLBZiwHHeOgSASj3Lgb9bf6nBtyhHxlRaUf4PL/fVuTolFoGgSzA3/Eg0",
        "{BLF-CRYPT}$2y$05$1TnwUjMo93y.U1I9.71uked6k5EFdMHMTt4Wo8wUbJ7aHbXDTrj5e",
        "{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$2p/RpJxke+JXUq2n+Wq1mw$k0+zdlBJgFGPfser/BT72GCWvOID3vTQL+ranca8EyE",
    };

    @Test
    void doveadmsHashesMatchTheirPasswordAndNoOther() {
        for (String stored : DOVEADM) {
            PasswordHash h = PasswordHash.parse(stored);
            assertThat(h.matches("pässword 1".toCharArray())).as(stored).isTrue();
            assertThat(h.matches("password 1".toCharArray())).as(stored).isFalse();
            assertThat(h.matches("".toCharArray())).as(stored).isFalse();
            assertThat(h.toString()).isEqualTo(stored);
        }
    }

    @Test
    void sha512CryptKeepsItsRounds() { // doveadm pw -s SHA512-CRYPT -r 10000 -p secret
        PasswordHash h = PasswordHash.parse("{SHA512-CRYPT}$6$rounds=10000$X6gQO8pQLfGFUcVZ$11M9rMvd5foBHjG3waOdI6NVGWq9H6VfLF3Ea"
                + "mFywLGopaA1YPA1TJH/PgFF8SxGo/X6yNlj5S77hlZsJV79J/");
        assertThat(h.matches("secret".toCharArray())).isTrue();
        assertThat(h.matches("Secret".toCharArray())).isFalse();
    }

    @Test
    void aNewHashMatchesItsPasswordAndReadsBack() {
        for (PasswordHash.Scheme scheme : PasswordHash.Scheme.values()) {
            PasswordHash h = PasswordHash.of("correct horse".toCharArray(), scheme);
            PasswordHash read = PasswordHash.parse(h.toString());
            assertThat(read.scheme()).isEqualTo(scheme);
            assertThat(read.matches("correct horse".toCharArray())).as(scheme.label()).isTrue();
            assertThat(read.matches("correct horsE".toCharArray())).as(scheme.label()).isFalse();
            assertThat(PasswordHash.of("correct horse".toCharArray(), scheme).toString()).as("a fresh salt each time").isNotEqualTo(h.toString());
        }
        assertThat(PasswordHash.of("x".toCharArray(), PasswordHash.Scheme.ARGON2ID).toString()).startsWith("{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$");
    }

    @Test
    void plainTextAndUnknownOrMangledHashesAreRefusedWithTheReason() {
        assertThatThrownBy(() -> PasswordHash.parse("{PLAIN}secret")).hasMessageContaining("plain-text passwords are not accepted");
        assertThatThrownBy(() -> PasswordHash.parse("secret")).hasMessageContaining("{SCHEME}hash");
        assertThatThrownBy(() -> PasswordHash.parse("{CRAM-MD5}abc")).hasMessageContaining("unknown password scheme {CRAM-MD5}");
        assertThatThrownBy(() -> PasswordHash.parse("{BLF-CRYPT}$2y$05$short")).hasMessageContaining("not a bcrypt hash");
        assertThatThrownBy(() -> PasswordHash.parse("{SHA512-CRYPT}$5$salt$x")).hasMessageContaining("not a SHA-512 crypt hash");
        assertThatThrownBy(() -> PasswordHash.parse("{ARGON2ID}$argon2id$v=19$m=4194304,t=1,p=1$c2FsdHNhbHQ$aGFzaA"))
                .hasMessageContaining("more than 1 GiB");
    }
}
