package dev.facteur.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The [spool] table: room kept on the queue's disk for its own records. */
class SpoolConfigTest {

    private static final long MB = 1 << 20;

    private static long minFree(String toml) throws ConfigException {
        return ConfigLoader.parse(toml, "facteur.toml").spool().minFreeSpace();
    }

    @Test
    void theReserveIsOneAndAHalfOfTheLargestMessageAndAtLeast100MB() throws ConfigException { // as Postfix's queue_minfree check
        assertThat(minFree("")).as("max_message_size 50MB").isEqualTo(100 * MB);
        assertThat(minFree("[smtp]\nmax_message_size = \"200MB\"\n")).isEqualTo(300 * MB);
    }

    @Test
    void theReserveCanBeSetOrTurnedOff() throws ConfigException {
        assertThat(minFree("[spool]\nmin_free_space = \"2GB\"\n")).isEqualTo(2048 * MB);
        assertThat(minFree("[spool]\nmin_free_space = 4096\n")).isEqualTo(4096);
        assertThat(minFree("[spool]\nmin_free_space = \"0\"\n")).isZero();
        assertThat(minFree("[spool]\nmin_free_space = \"off\"\n")).isZero();
    }

    @Test
    void badValuesNameFileLineAndKey() {
        assertThatThrownBy(() -> minFree("# reserve\n[spool]\nmin_free_space = \"lots\"\n"))
                .hasMessageStartingWith("facteur.toml:3: spool.min_free_space: expected a size");
        assertThatThrownBy(() -> minFree("[spool]\nmin_free_space = \"-5MB\"\n"))
                .hasMessageStartingWith("facteur.toml:2: spool.min_free_space: size must be positive");
        assertThatThrownBy(() -> minFree("[spool]\nmin_free = \"5MB\"\n")).hasMessage("facteur.toml:2: spool.min_free: unknown key");
        assertThatThrownBy(() -> minFree("spool = 3\n")).hasMessageStartingWith("facteur.toml:1: spool: must be a table");
    }
}
