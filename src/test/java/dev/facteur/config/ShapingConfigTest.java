package dev.facteur.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.facteur.shaping.Adaptive;
import dev.facteur.shaping.SiteLimits;
import dev.facteur.shaping.WarmUp;
import java.time.Duration;
import java.time.LocalDate;
import org.junit.jupiter.api.Test;

/** [shaping] and the source addresses of [delivery]: sites' limits, adaptation, rules, pools, warm-up. */
class ShapingConfigTest {

    private static Config parse(String toml) throws ConfigException {
        return ConfigLoader.parse(toml, "facteur.toml");
    }

    @Test
    void shapingIsOnWithPostfixLikeLimitsAndAdaptsByDefault() throws ConfigException {
        Config.Shaping s = parse("").shaping();
        assertThat(s.enabled()).isTrue();
        assertThat(s.defaults()).isEqualTo(SiteLimits.DEFAULTS);
        assertThat(s.adaptive()).isEqualTo(Adaptive.DEFAULTS);
        assertThat(s.rules()).isEmpty();
    }

    @Test
    void aRuleTakesTheDefaultsItDoesNotChange() throws ConfigException {
        Config.Shaping s = parse("""
                [shaping]
                connections = 8
                connection_pause = "2s"
                [[shaping.rules]]
                mx = ["*.google.com"]
                site = "google"
                messages_per_minute = 300
                """).shaping();
        assertThat(s.defaults().connectionPause()).isEqualTo(Duration.ofSeconds(2));
        var rule = s.rules().getFirst();
        assertThat(rule.site()).isEqualTo("google");
        assertThat(rule.mxHosts()).containsExactly("*.google.com");
        assertThat(rule.limits()).isEqualTo(new SiteLimits(8, 100, 50, 300, 0, Duration.ofSeconds(2)));
    }

    @Test
    void adaptationCanBeTuned() throws ConfigException {
        Adaptive a = parse("[shaping.adaptive]\ndecrease = 0.7\nrecovery = 0.2\ninterval = \"30s\"\nsuspend_after = 3\n").shaping().adaptive();
        assertThat(a.decrease()).isEqualTo(0.7);
        assertThat(a.recovery()).isEqualTo(0.2);
        assertThat(a.interval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(a.suspendAfter()).isEqualTo(3);
    }

    @Test
    void badShapingValuesNameFileLineAndKey() {
        assertThatThrownBy(() -> parse("[shaping]\nconnections = 0\n")).hasMessageStartingWith("facteur.toml:2: shaping.connections: must be between 1");
        assertThatThrownBy(() -> parse("[shaping.adaptive]\ndecrease = 1.5\n"))
                .hasMessageStartingWith("facteur.toml:2: shaping.adaptive.decrease: must be between");
        assertThatThrownBy(() -> parse("[[shaping.rules]]\nsite = \"x\"\n")).hasMessageContaining("a rule needs domains or mx");
        assertThatThrownBy(() -> parse("[shaping.adaptive]\nsuspend = \"2h\"\n")).hasMessageContaining("suspend_max: must be at least suspend");
    }

    @Test
    void sourceAddressesAreGroupedInPoolsChosenBySenderDomain() throws ConfigException {
        Config.Sources s = parse("""
                [[delivery.sources]]
                address = "127.0.0.2"
                helo = "out1.example.org"
                pool = "bulk"
                warming_from = "2026-12-01"
                [[delivery.sources]]
                address = "127.0.0.3"
                helo = "out2.example.org"
                [[delivery.pools]]
                name = "bulk"
                sender_domains = ["news.example.org"]
                fallback = "default"
                [delivery.warmup]
                per_hour = [10, 20]
                """).delivery().sources();
        assertThat(s.addresses()).hasSize(2);
        assertThat(s.addresses().getFirst().warmingFrom()).isEqualTo(LocalDate.parse("2026-12-01"));
        assertThat(s.addresses().get(1).pool()).isEqualTo("default");
        assertThat(s.pools().getFirst().fallback()).isEqualTo("default");
        assertThat(s.warmUp()).isEqualTo(new WarmUp(java.util.List.of(10, 20)));
    }

    @Test
    void badSourcesNameFileLineAndKey() {
        assertThatThrownBy(() -> parse("[[delivery.sources]]\naddress = \"mail.example.org\"\nhelo = \"x.example.org\"\n"))
                .hasMessageStartingWith("facteur.toml:2: delivery.sources.address: not an IP address");
        assertThatThrownBy(() -> parse("[[delivery.sources]]\naddress = \"127.0.0.2\"\n")).hasMessageContaining("helo: is required");
        assertThatThrownBy(() -> parse("""
                [[delivery.sources]]
                address = "127.0.0.2"
                helo = "x.example.org"
                [[delivery.pools]]
                name = "default"
                fallback = "nowhere"
                """)).hasMessageContaining("fallback: must name another pool with addresses");
        assertThatThrownBy(() -> parse("[delivery.warmup]\nper_hour = [10, 0]\n")).hasMessageContaining("per_hour: must hold integers between 1");
    }
}
