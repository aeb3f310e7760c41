package dev.facteur.doctor;

import static dev.facteur.doctor.World.lines;
import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.config.Config;
import dev.facteur.dns.AddressAnswer;
import dev.facteur.testing.FakeDnsResolver;
import java.util.List;
import org.junit.jupiter.api.Test;

/** RFC 5782: each sending address asked of the lists of [policy.dnsbl], as receivers ask about us. */
class BlocklistChecksTest {

    private static Config lists(String... lists) {
        return World.config("[doctor]\npublic_addresses = [\"192.0.2.10\", \"2001:db8::10\"]\n[policy.dnsbl]\nlists = ["
                + String.join(", ", List.of(lists).stream().map(l -> "\"" + l + "\"").toList()) + "]\n");
    }

    private static List<Check> check(Config config, FakeDnsResolver dns) {
        return new BlocklistChecks(dns).check(World.server(config, dns));
    }

    @Test
    void anAddressOnAListFailsWithTheListsName() {
        var dns = World.dns().withAddresses("10.2.0.192.bl.example", "127.0.0.2");
        var checks = check(lists("bl.example", "other.example"), dns);
        assertThat(lines(checks)).containsExactly(
                "fail: 192.0.2.10 is listed on bl.example (127.0.0.2)",
                "pass: 2001:db8::10 is on none of the 2 blocklists");
        assertThat(checks.getFirst().fix()).containsExactly("request delisting of 192.0.2.10 at bl.example");
        assertThat(dns.asked()).contains("A 10.2.0.192.other.example",
                "A 0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.bl.example"); // §2.4: nibbles for IPv6
    }

    @Test
    void aFilterDecidesWhichAnswersCountAndAllowListsAreNotAsked() {
        var dns = World.dns().withAddresses("10.2.0.192.bl.example", "127.0.0.10").withAddresses("10.2.0.192.wl.example", "127.0.0.2");
        assertThat(lines(check(lists("bl.example=127.0.0.[2..4]", "wl.example*-1"), dns))).first()
                .isEqualTo("pass: 192.0.2.10 is on none of the 1 blocklist");
        assertThat(dns.asked()).noneMatch(q -> q.endsWith("wl.example"));
    }

    @Test
    void anErrorCodeIsNotAListingButAWarning() { // 127.255.255.254: queries through a public resolver are refused
        var dns = World.dns().withAddresses("10.2.0.192.bl.example", "127.255.255.254");
        var checks = check(lists("bl.example"), dns);
        assertThat(lines(checks)).first().isEqualTo("warn: Not every blocklist answered about 192.0.2.10");
        assertThat(checks.getFirst().details()).isEqualTo("bl.example (127.255.255.254: queries through a public or open resolver are refused)");
        assertThat(lines(check(lists("bl.example"), World.dns().withAddresses("10.2.0.192.bl.example", new AddressAnswer.TempFail("timeout")))))
                .first().isEqualTo("warn: Not every blocklist answered about 192.0.2.10");
    }

    @Test
    void withoutListsThereIsNothingToAsk() {
        var checks = check(World.config(), World.dns());
        assertThat(lines(checks)).containsExactly("skipped: Blocklists: none configured");
    }
}
