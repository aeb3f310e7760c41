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
        return ConfigLoader.parse(toml, "facteur.toml").suppression().settings();
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

    @Test
    void theListIsOffUnlessEnabled() throws ConfigException {
        assertThat(ConfigLoader.parse("", "facteur.toml").suppression().enabled()).isFalse();
        assertThat(ConfigLoader.parse("[suppression]\nenabled = true\n", "facteur.toml").suppression().enabled()).isTrue();
    }

    @Test
    void theBounceDomainHasVerpOnAndAFeedbackLoopAddressByDefault() throws ConfigException {
        Config none = ConfigLoader.parse("", "facteur.toml");
        assertThat(none.bounces().domain()).isEmpty();
        Config c = ConfigLoader.parse("[bounces]\ndomain = \"Bounces.Example.COM\"\n", "facteur.toml");
        assertThat(c.bounces().domain()).contains("bounces.example.com");
        assertThat(c.bounces().verp()).isTrue();
        assertThat(c.bounces().prefix()).isEqualTo("bounce");
        assertThat(c.bounces().maxAge()).isEqualTo(Duration.ofDays(14));
        assertThat(c.bounces().reportAddresses()).containsExactly("fbl");
        assertThat(c.bounces().secretsFile().getFileName().toString()).isEqualTo("verp.secrets");
    }

    @Test
    void aBounceDomainMustBeOneOfItsOwn() {
        assertThatThrownBy(() -> ConfigLoader.parse("[local]\ndomains = [\"example.com\"]\n[bounces]\ndomain = \"example.com\"\n", "facteur.toml"))
                .hasMessageStartingWith("facteur.toml:4: bounces.domain: is a local domain");
        assertThatThrownBy(() -> ConfigLoader.parse("[srs]\ndomain = \"fwd.example.com\"\n[bounces]\ndomain = \"fwd.example.com\"\n", "facteur.toml"))
                .hasMessageStartingWith("facteur.toml:4: bounces.domain: is the SRS domain");
        assertThatThrownBy(() -> ConfigLoader.parse("[bounces]\ndomain = \"b.example.com\"\nmax_age = \"36h\"\n", "facteur.toml"))
                .hasMessage("facteur.toml:3: bounces.max_age: must be whole days, from 1d to 999d");
        assertThatThrownBy(() -> ConfigLoader.parse("[bounces]\nprefix = \"bounce+x\"\n", "facteur.toml"))
                .hasMessageStartingWith("facteur.toml:2: bounces.prefix:");
    }
}
