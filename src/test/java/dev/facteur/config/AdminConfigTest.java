package dev.facteur.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The [admin] table's metrics keys: served by default behind the admin token. */
class AdminConfigTest {

    private static Config.Admin admin(String toml) throws ConfigException {
        return ConfigLoader.parse("hostname = \"mx.facteur.test\"\n" + toml, "facteur.toml").admin();
    }

    @Test
    void metricsAreServedBehindTheAdminTokenByDefault() throws ConfigException {
        var a = admin("");
        assertThat(a.metrics()).isTrue();
        assertThat(a.metricsPublic()).isFalse();
    }

    @Test
    void metricsCanBeOpenedOrTurnedOff() throws ConfigException {
        assertThat(admin("[admin]\nmetrics_public = true\n").metricsPublic()).isTrue();
        assertThat(admin("[admin]\nmetrics = false\n").metrics()).isFalse();
    }

    @Test
    void badValuesNameFileLineAndKey() {
        assertThatThrownBy(() -> admin("[admin]\nmetrics = \"yes\"\n")).hasMessage("facteur.toml:3: admin.metrics: must be true or false");
        assertThatThrownBy(() -> admin("[admin]\nmetrics = false\nmetrics_public = true\n"))
                .hasMessage("facteur.toml:4: admin.metrics_public: is true, but metrics = false serves no metrics");
    }
}
