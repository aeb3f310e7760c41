package dev.facteur.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** {@code [log]}: text for people, JSON for log shippers. */
class LogConfigTest {

    @Test
    void theLogIsTextUnlessJsonIsAskedFor() throws ConfigException {
        assertThat(ConfigLoader.parse("", "f.toml").log().format()).isEqualTo(Config.Log.Format.TEXT);
        assertThat(ConfigLoader.parse("[log]\nformat = \"json\"\n", "f.toml").log().format()).isEqualTo(Config.Log.Format.JSON);
    }

    @Test
    void anotherFormatIsAnErrorAtItsLine() {
        assertThatThrownBy(() -> ConfigLoader.parse("[log]\nformat = \"xml\"\n", "f.toml"))
                .hasMessage("f.toml:2: log.format: must be \"text\" or \"json\"");
        assertThatThrownBy(() -> ConfigLoader.parse("[log]\nlevel = \"debug\"\n", "f.toml")).hasMessage("f.toml:2: log.level: unknown key");
    }
}
