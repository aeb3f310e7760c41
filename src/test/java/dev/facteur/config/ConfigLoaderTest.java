package dev.facteur.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.facteur.net.HostPort;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConfigLoaderTest {

    private static final String FULL = """
            hostname = "mx.example.test"      # greeting, EHLO, Received
            data_dir = "data"
            [smtp]
            listen = ["127.0.0.1:2525", "[::1]:2525"]
            max_message_size = "50MB"
            max_recipients = 1000
            [relay]
            networks = ["127.0.0.0/8"]
            [local]
            domains = ["example.test"]
            [dns]
            servers = []
            [delivery]
            remote_port = 25
            """;

    @Test
    void theDocumentedKeysAreRead() throws ConfigException {
        Config c = ConfigLoader.parse(FULL, "facteur.toml");
        assertThat(c.hostname()).isEqualTo("mx.example.test");
        assertThat(c.smtp().listen()).containsExactly(new HostPort("127.0.0.1", 2525), new HostPort("::1", 2525));
        assertThat(c.smtp().maxMessageSize()).isEqualTo(50L * 1024 * 1024);
        assertThat(c.local().domains()).containsExactly("example.test");
        assertThat(c.delivery().remotePort()).isEqualTo(25);
        assertThat(c.tls()).isEmpty();
    }

    @Test
    void embeddedDefaultsListenOnLoopback2525() {
        Config c = ConfigLoader.defaults();
        assertThat(c.smtp().listen()).containsExactly(new HostPort("127.0.0.1", 2525));
        assertThat(c.dataDir().toString()).isEqualTo("data");
        assertThat(c.smtp().commandTimeout()).isEqualTo(Duration.ofMinutes(5)); // RFC 5321 §4.5.3.2.7
        assertThat(c.hostname()).isNotBlank();
    }

    @Test
    void unknownKeysNameFileLineAndKey() {
        assertThatThrownBy(() -> ConfigLoader.parse(FULL.replace("max_recipients", "max_recipient"), "facteur.toml"))
                .hasMessage("facteur.toml:6: smtp.max_recipient: unknown key");
        assertThatThrownBy(() -> ConfigLoader.parse("hostnam = \"x\"\n", "f.toml")).hasMessage("f.toml:1: hostnam: unknown key");
        assertThatThrownBy(() -> ConfigLoader.parse("[smpt]\nlisten=[]\n", "f.toml")).hasMessage("f.toml:1: smpt: unknown key");
    }

    @Test
    void wrongTypesAndBadValuesAreErrors() {
        assertThatThrownBy(() -> ConfigLoader.parse("[smtp]\nmax_recipients = \"many\"\n", "f.toml"))
                .hasMessage("f.toml:2: smtp.max_recipients: must be an integer");
        assertThatThrownBy(() -> ConfigLoader.parse("[smtp]\nmax_message_size = \"50 parsecs\"\n", "f.toml"))
                .hasMessageStartingWith("f.toml:2: smtp.max_message_size: expected a size");
        assertThatThrownBy(() -> ConfigLoader.parse("[relay]\nnetworks = [\"10.0.0.0/99\"]\n", "f.toml"))
                .hasMessageStartingWith("f.toml:2: relay.networks: bad prefix length");
        assertThatThrownBy(() -> ConfigLoader.parse("[smtp]\nlisten = [\"nowhere\"]\n", "f.toml"))
                .hasMessageStartingWith("f.toml:2: smtp.listen: expected host:port");
        assertThatThrownBy(() -> ConfigLoader.parse("[delivery]\nremote_port = 70000\n", "f.toml"))
                .hasMessageStartingWith("f.toml:2: delivery.remote_port: must be between 1 and 65535");
        assertThatThrownBy(() -> ConfigLoader.parse("[smtp]\nlisten = []\n", "f.toml"))
                .hasMessage("f.toml:2: smtp.listen: needs at least one host:port");
    }

    @Test
    void theServersDefencesDefaultAsPostfixsAndAreChecked() throws ConfigException {
        Config.Smtp smtp = ConfigLoader.defaults().smtp();
        assertThat(smtp.softErrorLimit()).isEqualTo(10);
        assertThat(smtp.maxErrors()).isEqualTo(20);
        assertThat(smtp.errorSleep()).isEqualTo(Duration.ofSeconds(1));
        assertThat(smtp.junkCommandLimit()).isEqualTo(100);
        assertThat(smtp.commandTimeoutBeforeMail()).isEqualTo(Duration.ofSeconds(30));
        assertThat(smtp.reservedConnections()).isEqualTo(100); // a tenth of max_connections
        Config.Smtp set = ConfigLoader.parse("""
                [smtp]
                max_connections = 50
                command_timeout = "10s"
                error_sleep = "0"
                """, "f.toml").smtp();
        assertThat(set.reservedConnections()).isEqualTo(5);
        assertThat(set.commandTimeoutBeforeMail()).as("never longer than command_timeout").isEqualTo(Duration.ofSeconds(10));
        assertThat(set.errorSleep()).isZero();

        assertThatThrownBy(() -> ConfigLoader.parse("[smtp]\nmax_connections = 100\nreserved_connections = 100\n", "f.toml"))
                .hasMessage("f.toml:3: smtp.reserved_connections: must be between 0 and 99, got 100");
        assertThatThrownBy(() -> ConfigLoader.parse("[smtp]\ncommand_timeout = \"1m\"\ncommand_timeout_before_mail = \"2m\"\n", "f.toml"))
                .hasMessage("f.toml:3: smtp.command_timeout_before_mail: must not be longer than command_timeout");
        assertThatThrownBy(() -> ConfigLoader.parse("[smtp]\nmax_errors = 5\nsoft_error_limit = 6\n", "f.toml"))
                .hasMessage("f.toml:3: smtp.soft_error_limit: must be between 1 and 5, got 6");
        assertThatThrownBy(() -> ConfigLoader.parse("[smtp]\njunk_command_limit = 0\n", "f.toml"))
                .hasMessageStartingWith("f.toml:2: smtp.junk_command_limit: must be between 1 and");
        assertThatThrownBy(() -> ConfigLoader.parse("[smtp]\nerror_sleep = \"forever\"\n", "f.toml"))
                .hasMessageStartingWith("f.toml:2: smtp.error_sleep: expected a duration");
    }

    @Test
    void syntaxErrorsNameTheLine() {
        assertThatThrownBy(() -> ConfigLoader.parse("hostname = \"a\"\n[smtp\nlisten = 1\n", "f.toml"))
                .hasMessageStartingWith("f.toml:2: TOML syntax error");
    }

    @Test
    void tlsNeedsBothFiles() {
        assertThatThrownBy(() -> ConfigLoader.parse("[tls]\ncertificate = \"c.pem\"\n", "f.toml"))
                .hasMessageContaining("tls.private_key: is required");
    }

    @Test
    void sizesAndDurations() {
        assertThat(Units.parseSize("10KB")).isEqualTo(10240);
        assertThat(Units.parseSize("1 GB")).isEqualTo(1L << 30);
        assertThat(Units.parseSize("123")).isEqualTo(123);
        assertThat(Units.parseDuration("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(Units.parseDuration("2d")).isEqualTo(Duration.ofDays(2));
        assertThat(List.of("", "5", "-1s", "1w")).allSatisfy(s ->
                assertThatThrownBy(() -> Units.parseDuration(s)).isInstanceOf(IllegalArgumentException.class));
    }
}
