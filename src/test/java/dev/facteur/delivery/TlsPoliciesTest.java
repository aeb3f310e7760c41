package dev.facteur.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.facteur.config.ConfigLoader;
import dev.facteur.delivery.TlsPolicies.Level;
import dev.facteur.delivery.TlsPolicies.Rule;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;

/** The operator's TLS levels per destination: which rule a destination gets, and the policy each level makes. */
class TlsPoliciesTest {

    private static TlsPolicies policies(Rule... rules) throws Exception {
        return TlsPolicies.of(List.of(rules));
    }

    private static Rule rule(Level level, String... domains) {
        return new Rule(List.of(domains), level, Optional.empty());
    }

    @Test
    void aDomainMatchesItselfAndADottedOneEveryDomainBelowTheFirstRuleWinning() throws Exception {
        var p = policies(rule(Level.NONE, "old.bank.example"), rule(Level.VERIFY, "bank.example", ".bank.example"), rule(Level.ENCRYPT, ".example"));

        assertThat(p.ruleFor("Bank.Example")).hasValueSatisfying(r -> assertThat(r.level()).isEqualTo(Level.VERIFY));
        assertThat(p.ruleFor("mail.bank.example")).hasValueSatisfying(r -> assertThat(r.level()).isEqualTo(Level.VERIFY));
        assertThat(p.ruleFor("old.bank.example")).hasValueSatisfying(r -> assertThat(r.level()).isEqualTo(Level.NONE));
        assertThat(p.ruleFor("shop.example")).hasValueSatisfying(r -> assertThat(r.level()).isEqualTo(Level.ENCRYPT));
        assertThat(p.ruleFor("example")).as(".example is for the domains below only").isEmpty();
        assertThat(p.ruleFor("notbank.example")).hasValueSatisfying(r -> assertThat(r.level()).isEqualTo(Level.ENCRYPT));
    }

    @Test
    void eachLevelMakesItsPolicy() throws Exception {
        SSLContext any = OpportunisticTls.context();
        var p = policies(rule(Level.NONE, "a.example"), rule(Level.MAY, "b.example"), rule(Level.ENCRYPT, "c.example"),
                rule(Level.VERIFY, "d.example"));

        assertThat(p.policyFor("a.example", any, true)).contains(TlsPolicy.NONE);
        assertThat(p.policyFor("b.example", any, true)).contains(new TlsPolicy.Opportunistic(any, true));
        assertThat(p.policyFor("c.example", any, true)).hasValueSatisfying(t -> {
            assertThat(t).isEqualTo(new TlsPolicy.Required(any, false, "by the TLS policy for c.example"));
            assertThat(t.level()).isEqualTo("encrypt");
        });
        assertThat(p.policyFor("d.example", any, true)).hasValueSatisfying(t -> {
            assertThat(t).isInstanceOfSatisfying(TlsPolicy.Required.class, r -> {
                assertThat(r.verify()).isTrue();
                assertThat(r.context()).as("its own verifying context").isNotSameAs(any).isNotNull();
            });
            assertThat(t.level()).isEqualTo("verify");
        });
        assertThat(p.policyFor("e.example", any, true)).isEmpty();
    }

    @Test
    void theConfigurationSaysWhatIsWrongWithARule() {
        assertThatThrownBy(() -> ConfigLoader.parse("[[delivery.tls_policy]]\ndomains = [\"a.example\"]\nlevel = \"secure\"\n", "f.toml"))
                .hasMessage("f.toml:3: delivery.tls_policy.level: must be \"none\", \"may\", \"encrypt\", \"verify\", \"dane\" or \"dane-only\"");
        assertThatThrownBy(() -> ConfigLoader.parse("[[delivery.tls_policy]]\ndomains = [\"a.example\"]\nlevel = \"dane-only\"\n", "f.toml"))
                .hasMessage("f.toml:3: delivery.tls_policy.level: \"dane-only\" needs DNSSEC: set [dns] dnssec = \"validate\" (or \"trust-ad\")");
        assertThatThrownBy(() -> ConfigLoader.parse("[[delivery.tls_policy]]\nlevel = \"verify\"\n", "f.toml"))
                .hasMessageContaining("delivery.tls_policy.domains: is required");
        assertThatThrownBy(() -> ConfigLoader.parse("[[delivery.tls_policy]]\ndomains = [\"a.example\"]\nlevel = \"may\"\nca_file = \"/etc/hosts\"\n",
                "f.toml")).hasMessageContaining("ca_file: is for level = \"verify\" only");
    }
}
