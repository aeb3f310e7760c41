package dev.facteur.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.facteur.policy.Milters;
import dev.facteur.policy.check.Action;
import dev.facteur.policy.check.ReverseDnsCheck;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@code [policy]}: which checks run, and their settings, with errors that name file, line and key. */
class PolicyConfigTest {

    @Test
    void noChecksRunUnlessConfiguredAndTheDefaultsAreSensible() throws ConfigException {
        Config.Policy p = ConfigLoader.defaults().policy();
        assertThat(p.checks()).isEmpty();
        assertThat(p.store()).isEqualTo("embedded");
        assertThat(p.greylist().timing().delay()).isEqualTo(Duration.ofMinutes(5));
        assertThat(p.greylist().timing().window()).isEqualTo(Duration.ofHours(24));
        assertThat(p.greylist().autoWhitelist()).isEqualTo(5);
        assertThat(p.rate().connectionsPerClient()).isZero();
    }

    @Test
    void checksAndTheirSectionsAreRead() throws ConfigException {
        Config.Policy p = ConfigLoader.parse("""
                [policy]
                checks = ["rate", "greylist"]
                opt_out = ["@lists.example.test"]
                store = "redis://127.0.0.1:6379/0"
                [policy.greylist]
                delay = "2m"
                clients = ["192.0.2.0/24"]
                match_by_name = true
                on_store_failure = "defer"
                [policy.rate]
                connections_per_client = 30
                """, "f.toml").policy();
        assertThat(p.checks()).containsExactly("rate", "greylist");
        assertThat(p.optOut()).containsExactly("@lists.example.test");
        assertThat(p.greylist().timing().delay()).isEqualTo(Duration.ofMinutes(2));
        assertThat(p.greylist().byName()).isTrue();
        assertThat(p.greylist().deferOnStoreFailure()).isTrue();
        assertThat(p.rate().connectionsPerClient()).isEqualTo(30);
    }

    @Test
    void mistakesNameFileLineAndKey() {
        assertThatThrownBy(() -> ConfigLoader.parse("[policy]\nchecks = [\"greylisting\"]\n", "f.toml"))
                .hasMessageStartingWith("f.toml:2: policy.checks: unknown check \"greylisting\"");
        assertThatThrownBy(() -> ConfigLoader.parse("[policy]\nchecks = [\"rate\", \"rate\"]\n", "f.toml"))
                .hasMessageStartingWith("f.toml:2: policy.checks: names a check twice");
        assertThatThrownBy(() -> ConfigLoader.parse("[policy.greylist]\ndelay = \"1h\"\nwindow = \"30m\"\n", "f.toml"))
                .hasMessageStartingWith("f.toml:3: policy.greylist.window: must be longer than delay");
        assertThatThrownBy(() -> ConfigLoader.parse("[policy.greylist]\non_store_failure = \"panic\"\n", "f.toml"))
                .hasMessageStartingWith("f.toml:2: policy.greylist.on_store_failure: must be \"accept\" or \"defer\"");
        assertThatThrownBy(() -> ConfigLoader.parse("[policy]\nopt_out = [\"nobody\"]\n", "f.toml"))
                .hasMessageStartingWith("f.toml:2: policy.opt_out:");
        assertThatThrownBy(() -> ConfigLoader.parse("[policy]\nstore = \"mysql://x\"\n", "f.toml"))
                .hasMessageStartingWith("f.toml:2: policy.store: must be \"embedded\" or a redis:// URI");
        assertThatThrownBy(() -> ConfigLoader.parse("[policy.rate]\nconections_per_client = 3\n", "f.toml"))
                .hasMessageStartingWith("f.toml:2: policy.rate.conections_per_client: unknown key");
    }

    @Test
    void theDnsChecksAreConfiguredAsPostscreensAndTheirListsAreRequiredWhenTheyRun() throws ConfigException {
        Config.Policy p = ConfigLoader.parse("""
                [policy]
                checks = ["helo", "rdns", "dnsbl"]
                [policy.dnsbl]
                lists = ["zen.example=127.0.0.[2..11]*3", "wl.example*-2"]
                threshold = 3
                action = "hold"
                [policy.rdns]
                require = "name"
                action = "tag"
                [policy.helo]
                non_fqdn = "defer"
                names = ["mail.example.test"]
                """, "f.toml").policy();
        assertThat(p.dnsbl()).hasValueSatisfying(d -> {
            assertThat(d.lists()).hasSize(2);
            assertThat(d.threshold()).isEqualTo(3);
            assertThat(d.action()).isEqualTo(Action.HOLD);
        });
        assertThat(p.rdns().require()).isEqualTo(ReverseDnsCheck.Require.NAME);
        assertThat(p.helo().nonFqdn()).isEqualTo(Action.DEFER);
        assertThat(p.helo().names()).containsExactly("mail.example.test");

        assertThatThrownBy(() -> ConfigLoader.parse("[policy]\nchecks = [\"dnsbl\"]\n", "f.toml"))
                .hasMessageContaining("policy.dnsbl.lists: is required when the check runs");
        assertThatThrownBy(() -> ConfigLoader.parse("[policy.dnsbl]\nlists = [\"zen.example*x\"]\n", "f.toml"))
                .hasMessageStartingWith("f.toml:2: policy.dnsbl.lists:");
        assertThatThrownBy(() -> ConfigLoader.parse("[policy.rdns]\naction = \"maybe\"\n", "f.toml"))
                .hasMessageStartingWith("f.toml:2: policy.rdns.action: must be");
    }

    @Test
    void mailFiltersAreListedInOrderWithTheirDefaultActionAndTimeouts() throws ConfigException {
        assertThat(ConfigLoader.defaults().policy().milters()).isEmpty();
        var milters = ConfigLoader.parse("""
                [[policy.milters]]
                address = "inet:127.0.0.1:11332"
                [[policy.milters]]
                address = "unix:/run/opendkim/opendkim.sock"
                default_action = "accept"
                command_timeout = "10s"
                """, "f.toml").policy().milters();
        assertThat(milters).extracting(m -> m.address().toString()).containsExactly("inet:127.0.0.1:11332", "unix:/run/opendkim/opendkim.sock");
        assertThat(milters.get(0).onFailure()).isEqualTo(Milters.OnFailure.TEMPFAIL); // Postfix's milter_default_action
        assertThat(milters.get(0).settings().contentTimeout()).isEqualTo(Duration.ofMinutes(5));
        assertThat(milters.get(1).onFailure()).isEqualTo(Milters.OnFailure.ACCEPT);
        assertThat(milters.get(1).settings().commandTimeout()).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void aMailFilterMistakeNamesFileLineAndKey() {
        assertThatThrownBy(() -> ConfigLoader.parse("[[policy.milters]]\naddress = \"127.0.0.1:11332\"\n", "f.toml"))
                .hasMessageStartingWith("f.toml:2: policy.milters.address: a milter is inet:host:port or unix:/path");
        assertThatThrownBy(() -> ConfigLoader.parse("[[policy.milters]]\ndefault_action = \"accept\"\n", "f.toml"))
                .hasMessageContaining("policy.milters.address: is required");
        assertThatThrownBy(() -> ConfigLoader.parse("[[policy.milters]]\naddress = \"inet:h:1\"\ndefault_action = \"ignore\"\n", "f.toml"))
                .hasMessageStartingWith("f.toml:3: policy.milters.default_action: must be \"tempfail\", \"accept\" or \"reject\"");
        assertThatThrownBy(() -> ConfigLoader.parse("[[policy.milters]]\naddress = \"inet:h:1\"\ncontent_timeout = \"2h\"\n", "f.toml"))
                .hasMessageStartingWith("f.toml:3: policy.milters.content_timeout: must be between 1ms and 1h");
    }
}
