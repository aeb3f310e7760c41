package dev.facteur.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.facteur.net.HostPort;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code [submission]}: off unless it listens somewhere, and then it needs a certificate. */
class SubmissionConfigTest {

    @Test
    void offByDefaultWithTheUsersUnderTheDataDirectory() throws ConfigException {
        Config c = ConfigLoader.parse("data_dir = \"/var/lib/facteur\"\n", "f.toml");
        assertThat(c.submission().enabled()).isFalse();
        assertThat(c.submission().usersFile()).isEqualTo(Path.of("/var/lib/facteur/users"));
        assertThat(c.submission().loginInReceived()).isFalse();
        assertThat(c.submission().passwordChecks()).isEqualTo(2);
    }

    @Test
    void itsListenersNeedACertificate() throws ConfigException {
        String tls = "[tls]\ncertificate = \"/c.pem\"\nprivate_key = \"/k.pem\"\n";
        Config c = ConfigLoader.parse(tls + "[submission]\nlisten = [\"0.0.0.0:587\"]\nlisten_tls = [\"0.0.0.0:465\"]\n", "f.toml");
        assertThat(c.submission().listen()).containsExactly(new HostPort("0.0.0.0", 587));
        assertThat(c.submission().listenTls()).isEqualTo(List.of(new HostPort("0.0.0.0", 465)));
        assertThatThrownBy(() -> ConfigLoader.parse("[submission]\nlisten = [\"0.0.0.0:587\"]\n", "f.toml"))
                .hasMessageStartingWith("f.toml:2: submission.listen: needs a certificate");
        assertThatThrownBy(() -> ConfigLoader.parse(tls + "[submission]\npassword_checks = 0\n", "f.toml"))
                .hasMessageContaining("submission.password_checks");
    }
}
