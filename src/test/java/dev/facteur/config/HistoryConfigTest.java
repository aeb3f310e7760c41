package dev.facteur.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The [history] table: the delivery history facteur trace reads, on by default, kept 30 days in DATA_DIR/history. */
class HistoryConfigTest {

    private static Config parse(String toml) throws ConfigException {
        return ConfigLoader.parse(toml, "facteur.toml");
    }

    @Test
    void onAndKeptThirtyDaysInTheDataDirectoryByDefault() throws ConfigException {
        Config c = parse("data_dir = \"/var/lib/facteur\"\n");
        assertThat(c.history().enabled()).isTrue();
        assertThat(c.history().keep()).isEqualTo(Duration.ofDays(30));
        assertThat(c.history().directory()).isEqualTo(c.dataDir().resolve("history"));
    }

    @Test
    void itCanBeTurnedOffAndKeptLongerOrShorter() throws ConfigException {
        assertThat(parse("[history]\nenabled = false\n").history().enabled()).isFalse();
        assertThat(parse("[history]\nkeep = \"90d\"\n").history().keep()).isEqualTo(Duration.ofDays(90));
        assertThat(parse("[history]\nkeep = \"24h\"\n").history().keep()).isEqualTo(Duration.ofDays(1));
    }

    @Test
    void keepIsWholeDays() {
        assertThatThrownBy(() -> parse("[history]\nkeep = \"36h\"\n"))
                .hasMessage("facteur.toml:2: history.keep: must be whole days, from 1d to 3660d");
        assertThatThrownBy(() -> parse("[history]\nkeep = \"12h\"\n")).hasMessageContaining("must be whole days");
        assertThatThrownBy(() -> parse("[history]\nkeep = \"4000d\"\n")).hasMessageContaining("must be whole days");
        assertThatThrownBy(() -> parse("[history]\nkept = \"3d\"\n")).hasMessage("facteur.toml:2: history.kept: unknown key");
    }
}
