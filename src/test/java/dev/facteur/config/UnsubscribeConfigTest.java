package dev.facteur.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.facteur.net.HostPort;
import dev.facteur.unsubscribe.UnsubscribeSettings;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The [unsubscribe] table: off by default; on, it needs the public https:// URL of its links, signed by DKIM. */
class UnsubscribeConfigTest {

    private static Config parse(String toml) throws ConfigException {
        return ConfigLoader.parse(toml, "facteur.toml");
    }

    @Test
    void offByDefaultListeningOnLoopbackWithItsSecretsInTheDataDirectory() throws ConfigException {
        Config c = parse("");
        assertThat(c.unsubscribe()).isEqualTo(new UnsubscribeSettings(false, Optional.empty(), List.of(new HostPort("127.0.0.1", 8026)),
                c.dataDir().resolve("unsubscribe.secret")));
    }

    @Test
    void everyKey() throws ConfigException {
        var u = parse("""
                [unsubscribe]
                enabled = true
                url = "https://unsubscribe.example.com/u/"
                listen = ["127.0.0.1:9026", "[::1]:9026"]
                secrets_file = "/etc/facteur/unsubscribe.secret"
                """).unsubscribe();
        assertThat(u.enabled()).isTrue();
        assertThat(u.url()).as("without its trailing slash").contains(URI.create("https://unsubscribe.example.com/u"));
        assertThat(u.link("TOKEN")).isEqualTo("https://unsubscribe.example.com/u/TOKEN");
        assertThat(u.path()).isEqualTo("/u/");
        assertThat(u.listen()).containsExactly(new HostPort("127.0.0.1", 9026), new HostPort("::1", 9026));
        assertThat(u.secretsFile()).hasToString("/etc/facteur/unsubscribe.secret");
        assertThat(parse("[unsubscribe]\nenabled = true\nurl = \"https://example.com\"\n").unsubscribe().path()).isEqualTo("/");
    }

    @Test
    void plainHttpOnlyOnALoopbackHostForTests() throws ConfigException {
        assertThat(parse("[unsubscribe]\nenabled = true\nurl = \"http://127.0.0.1:8026/u\"\n").unsubscribe().url())
                .contains(URI.create("http://127.0.0.1:8026/u"));
        assertThatThrownBy(() -> parse("[unsubscribe]\nenabled = true\nurl = \"http://unsubscribe.example.com/u\"\n"))
                .hasMessage("facteur.toml:3: unsubscribe.url: must be an https:// URL (RFC 8058 §3.1; http:// only on a loopback host, for tests)");
    }

    @Test
    void badValuesNameFileLineAndKey() {
        assertThatThrownBy(() -> parse("[unsubscribe]\n\nenabled = true\n"))
                .hasMessageStartingWith("facteur.toml:3: unsubscribe.enabled: needs url: the public https:// URL");
        assertThatThrownBy(() -> parse("[unsubscribe]\nurl = \"https://example.com/u?list=1\"\n"))
                .hasMessage("facteur.toml:2: unsubscribe.url: must not have a query or a fragment: the token is appended to its path");
        assertThatThrownBy(() -> parse("[unsubscribe]\nurl = \"https://" + "a".repeat(200) + ".example\"\n"))
                .hasMessage("facteur.toml:2: unsubscribe.url: must be at most 200 characters");
        assertThatThrownBy(() -> parse("[unsubscribe]\nurl = \"unsubscribe.example.com\"\n"))
                .hasMessageStartingWith("facteur.toml:2: unsubscribe.url: must be an https:// URL with a host");
        assertThatThrownBy(() -> parse("[unsubscribe]\nlisten = [\"8026\"]\n")).hasMessageStartingWith("facteur.toml:2: unsubscribe.listen: expected host:port");
        assertThatThrownBy(() -> parse("[unsubscribe]\nurls = []\n")).hasMessage("facteur.toml:2: unsubscribe.urls: unknown key");
    }

    @Test
    void dkimMustSignBothFields() { // RFC 8058 §4: a receiver honours the link only under a valid signature covering them
        assertThatThrownBy(() -> parse("""
                [dkim]
                headers = ["date", "message-id", "list-unsubscribe"]
                [unsubscribe]
                enabled = true
                url = "https://unsubscribe.example.com/u"
                """)).hasMessageStartingWith("facteur.toml:4: unsubscribe.enabled: needs list-unsubscribe-post in [dkim] headers");
    }
}
