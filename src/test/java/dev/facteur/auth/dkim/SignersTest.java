package dev.facteur.auth.dkim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyPairGenerator;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which keys sign which mail. */
class SignersTest {

    private static SigningKey key(String domain, String selector) throws Exception {
        return new SigningKey(domain, selector,
                new DkimSigner.Key("ed25519-sha256", KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPrivate()));
    }

    @Test
    void the_from_domain_signs_with_all_its_keys() throws Exception {
        SigningKey rsa = key("example.org", "a"), ed = key("example.org", "b");
        var signers = new Signers(List.of(rsa, ed, key("other.example", "c")), List.of());
        assertThat(signers.keysFor("Example.ORG", null)).containsExactly(rsa, ed);
    }

    @Test
    void a_subdomain_signs_with_its_nearest_parent_that_has_keys_but_never_a_bare_tld() throws Exception {
        SigningKey parent = key("example.org", "a");
        var signers = new Signers(List.of(parent, key("org", "tld")), List.of());
        assertThat(signers.keysFor("news.mail.example.org", null)).containsExactly(parent);
        assertThat(signers.keysFor("elsewhere.org", null)).isEmpty();
        assertThat(signers.keysFor("example.net", null)).isEmpty();
    }

    @Test
    void rules_choose_the_domain_by_login_first_then_by_from_domain() throws Exception {
        SigningKey esp = key("esp.example", "a"), customer = key("customer.example", "b");
        var signers = new Signers(List.of(esp, customer), List.of(new Signers.Rule("alice", null, "customer.example"),
                new Signers.Rule(null, "client.example", "esp.example")));
        assertThat(signers.keysFor("client.example", null)).containsExactly(esp);
        assertThat(signers.keysFor("client.example", "alice")).containsExactly(customer);
        assertThat(signers.keysFor("customer.example", "bob")).containsExactly(customer);
    }

    @Test
    void a_rule_must_name_a_domain_that_has_keys() throws Exception {
        List<SigningKey> keys = List.of(key("example.org", "a"));
        assertThatThrownBy(() -> new Signers(keys, List.of(new Signers.Rule("alice", null, "nokeys.example"))))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
