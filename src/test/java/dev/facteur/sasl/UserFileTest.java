package dev.facteur.sasl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.facteur.routing.MapFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The users file, as Dovecot's passwd-file: user:{SCHEME}hash, further fields kept but unused. */
class UserFileTest {

    @TempDir
    Path dir;

    private static final String BCRYPT = "{BLF-CRYPT}$2y$05$1TnwUjMo93y.U1I9.71uked6k5EFdMHMTt4Wo8wUbJ7aHbXDTrj5e"; // 'pässword 1'

    @Test
    void usersAreReadWithTheirHashesCommentsAndExtraFieldsAside() throws Exception {
        var users = UserFile.parse("""
                # the team
                alice@example.org:%s::::/home/alice::userdb_quota_rule=*:storage=1G

                bob@example.org:%s
                """.formatted(BCRYPT, BCRYPT), "users");
        assertThat(users).containsOnlyKeys("alice@example.org", "bob@example.org");
        assertThat(users.get("alice@example.org").matches("pässword 1".toCharArray())).isTrue();
    }

    @Test
    void aLineThatIsNoUserFailsWithItsLine() {
        assertThatThrownBy(() -> UserFile.parse("alice:" + BCRYPT + "\nbob:{PLAIN}secret\n", "users"))
                .isInstanceOf(MapFile.Invalid.class).hasMessageContaining("users").hasMessageContaining("2")
                .hasMessageContaining("plain-text passwords are not accepted");
        assertThatThrownBy(() -> UserFile.parse("just a name\n", "users")).hasMessageContaining("expected user:{SCHEME}hash");
        assertThatThrownBy(() -> UserFile.parse("a:" + BCRYPT + "\na:" + BCRYPT + "\n", "users")).hasMessageContaining("listed twice");
    }

    @Test
    void anUpdateChangesOneUserKeepsTheRestAndWritesAPrivateFile() throws Exception {
        Path file = dir.resolve("users");
        Files.writeString(file, "# mine\nalice:" + BCRYPT + ":1000:1000\nbob:" + BCRYPT + "\n");
        PasswordHash fresh = PasswordHash.of("new one".toCharArray(), PasswordHash.Scheme.SHA512_CRYPT);
        assertThat(UserFile.update(file, "alice", fresh)).isTrue();
        assertThat(Files.readString(file)).isEqualTo("# mine\nalice:" + fresh + ":1000:1000\nbob:" + BCRYPT + "\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(UserFile.update(file, "bob", null)).isTrue();
        assertThat(UserFile.update(file, "carol", null)).isFalse();
        assertThat(UserFile.update(file, "carol@example.org", fresh)).isFalse();
        assertThat(UserFile.read(file)).containsOnlyKeys("alice", "carol@example.org");
        assertThat(Files.list(dir)).as("no temporary file left").containsExactly(file);
        assertThatThrownBy(() -> UserFile.update(file, "eve:x", fresh)).isInstanceOf(IllegalArgumentException.class);
    }
}
