package dev.facteur.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** RFC 8601: our field, and recognising fields that claim to be ours. */
class AuthenticationResultsTest {

    @Test
    void one_method_result_per_line_separated_by_semicolons() {
        assertThat(AuthenticationResults.field("mx.example.org", List.of("spf=pass smtp.mailfrom=example.net",
                "dkim=pass header.d=example.net header.s=s1", "dmarc=pass header.from=example.net")))
                .isEqualTo("Authentication-Results: mx.example.org;\r\n\tspf=pass smtp.mailfrom=example.net;\r\n"
                        + "\tdkim=pass header.d=example.net header.s=s1;\r\n\tdmarc=pass header.from=example.net");
    }

    @Test
    void no_method_applied_is_said_none() {
        assertThat(AuthenticationResults.field("mx.example.org", List.of())).isEqualTo("Authentication-Results: mx.example.org; none");
    }

    @Test
    void a_line_break_from_a_peer_or_dns_cannot_start_a_new_field() {
        assertThat(AuthenticationResults.field("mx", List.of("spf=fail (x\r\nX-Injected: yes) smtp.mailfrom=a")))
                .doesNotContain("\r\nX-Injected");
    }

    @Test
    void a_field_claims_our_id_whatever_its_case_comments_version_or_folding() {
        assertThat(AuthenticationResults.claims(" mx.example.org; spf=pass", "mx.example.org")).isTrue();
        assertThat(AuthenticationResults.claims(" MX.Example.ORG 1; dkim=pass", "mx.example.org")).isTrue();
        assertThat(AuthenticationResults.claims(" (forged (nested)) \r\n\tmx.example.org;none", "mx.example.org")).isTrue();
        assertThat(AuthenticationResults.claims(" mx.example.org;", "mx.example.org")).isTrue();
    }

    @Test
    void another_servers_field_is_not_ours() {
        assertThat(AuthenticationResults.claims(" mx.example.org.evil; spf=pass", "mx.example.org")).isFalse();
        assertThat(AuthenticationResults.claims(" relay.example.net; spf=pass", "mx.example.org")).isFalse();
        assertThat(AuthenticationResults.claims(" (mx.example.org) relay.example.net; spf=pass", "mx.example.org")).isFalse();
    }

    @Test
    void the_method_results_of_a_field_are_read_back_whatever_their_quotes_and_comments_hold() {
        String value = " mx.example.org;\r\n\tspf=pass smtp.mailfrom=example.net;\r\n\tdkim=fail reason=\"a;b\" header.d=x (c;d);\r\n\tdmarc=none";
        assertThat(AuthenticationResults.resinfo(value)).containsExactly("spf=pass smtp.mailfrom=example.net",
                "dkim=fail reason=\"a;b\" header.d=x (c;d)", "dmarc=none");
        assertThat(AuthenticationResults.resinfo(" mx.example.org; none")).isEmpty();
        assertThat(AuthenticationResults.resinfo(AuthenticationResults.field("mx", java.util.List.of("spf=pass", "dkim=none"))
                .substring("Authentication-Results:".length()))).containsExactly("spf=pass", "dkim=none");
    }
}
