package dev.facteur.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.facteur.bounce.SuppressionSettings;
import dev.facteur.bounce.SuppressionSettings.Scope;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The [suppression] table: the scope of the list's entries and how long each kind lasts. */
class SuppressionConfigTest {

    private static SuppressionSettings read(String toml) throws ConfigException {
        return ConfigLoader.parse(toml, "facteur.toml").suppression();
    }

    @Test
    void withoutTheTableTheDefaultsHold() throws ConfigException {
        assertThat(read("")).isEqualTo(SuppressionSettings.DEFAULT);
        assertThat(SuppressionSettings.DEFAULT).satisfies(d -> {
            assertThat(d.scope()).isEqualTo(Scope.SENDER_DOMAIN);
            assertThat(d.hardBounceExpiry()).contains(Duration.ofDays(365));
            assertThat(d.complaintExpiry()).isEmpty();
            assertThat(d.softBounceLimit()).isEqualTo(5);
            assertThat(d.softBounceWindow()).isEqualTo(Duration.ofDays(7));
            assertThat(d.softBounceExpiry()).contains(Duration.ofDays(7));
        });
    }

    @Test
    void everyKeyCanBeSet() throws ConfigException {
        var s = read("""
                [suppression]
                scope = "global"
                hard_bounce_expiry = "never"
                complaint_expiry = "730d"
                soft_bounce_limit = 3
                soft_bounce_window = "48h"
                soft_bounce_expiry = "1d"
                """);
        assertThat(s).isEqualTo(new SuppressionSettings(Scope.GLOBAL, Optional.empty(), Optional.of(Duration.ofDays(730)), 3,
                Duration.ofHours(48), Optional.of(Duration.ofDays(1))));
    }

    @Test
    void badValuesNameFileLineAndKey() {
        assertThatThrownBy(() -> read("[suppression]\nscope = \"domain\"\n"))
                .hasMessage("facteur.toml:2: suppression.scope: must be \"sender-domain\" or \"global\"");
        assertThatThrownBy(() -> read("[suppression]\n\nhard_bounce_expiry = \"forever\"\n"))
                .hasMessage("facteur.toml:3: suppression.hard_bounce_expiry: expected a duration such as \"365d\", or \"never\", got \"forever\"");
        assertThatThrownBy(() -> read("[suppression]\nsoft_bounce_limit = 0\n"))
                .hasMessage("facteur.toml:2: suppression.soft_bounce_limit: must be between 1 and 1000, got 0");
        assertThatThrownBy(() -> read("[suppression]\nsoft_bounce_window = \"never\"\n"))
                .hasMessageStartingWith("facteur.toml:2: suppression.soft_bounce_window: expected a duration");
        assertThatThrownBy(() -> read("[suppression]\nsoft_bounces = 5\n")).hasMessage("facteur.toml:2: suppression.soft_bounces: unknown key");
    }
}
