package dev.facteur.policy.check;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.policy.Verdict;
import dev.facteur.smtp.Reply;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The EHLO/HELO name (RFC 5321 §4.1.1.1): valid syntax, fully qualified, not ours, and a literal that is the client's. */
class HeloCheckTest {

    private static final HeloCheck.Settings DEFAULTS = HeloCheck.Settings.defaults(List.of("mx.facteur.test"),
            List.of(InetAddress.ofLiteral("192.0.2.25"), InetAddress.ofLiteral("2001:db8::25")));

    private static Verdict helo(HeloCheck.Settings s, String client, String name) {
        return Dialogue.of(client, new HeloCheck(s)).helo(name);
    }

    private static Verdict helo(String name) {
        return helo(DEFAULTS, "198.51.100.7", name);
    }

    private static HeloCheck.Settings all(Action action) {
        return new HeloCheck.Settings(action, action, action, action, DEFAULTS.ourNames(), DEFAULTS.ourAddresses());
    }

    @Test
    void aFullyQualifiedNameOrTheClientsOwnLiteralPasses() {
        assertThat(helo("mail.example.org")).isEqualTo(Verdict.DUNNO);
        assertThat(helo("Mail.Example.ORG")).isEqualTo(Verdict.DUNNO);
        assertThat(helo("[198.51.100.7]")).isEqualTo(Verdict.DUNNO);
        assertThat(helo(DEFAULTS, "2001:db8::7", "[IPv6:2001:db8::7]")).isEqualTo(Verdict.DUNNO);
        assertThat(helo(DEFAULTS, "2001:db8::7", "[ipv6:2001:DB8:0:0:0:0:0:7]")).as("the tag is case-insensitive").isEqualTo(Verdict.DUNNO);
        assertThat(helo("under_score.example.org")).as("tolerated, as Postfix does").isEqualTo(Verdict.DUNNO);
        assertThat(helo("[x-tag:anything]")).as("a General-address-literal has nothing to compare").isEqualTo(Verdict.DUNNO);
    }

    @Test
    void aBareAddressIsInvalidWith501() { // RFC 5321 §4.1.3: address literals are in brackets
        assertThat(helo("198.51.100.7")).isEqualTo(new Verdict.Reject(new Reply(501, "5.5.2",
                "<198.51.100.7>: Helo command rejected: Invalid name"),
                "invalid: an address without brackets (RFC 5321 §4.1.3: [192.0.2.1], [IPv6:2001:db8::1])"));
        assertThat(helo(DEFAULTS, "2001:db8::7", "2001:db8::7")).isInstanceOf(Verdict.Reject.class);
    }

    @Test
    void anInvalidHostNameIsRejectedWith501() { // RFC 5321 §4.1.2: "MUST reject that command with a 501 response"
        for (String bad : List.of("mail..example.org", ".example.org", "mail.example.org.", "-mail.example.org", "mail-.example.org",
                "mail.example.123", "mail!.example.org", "x" .repeat(64) + ".example.org", "[198.51.100.7", "[300.1.1.1]",
                "[IPv6:2001:db8::g]", "[1.2.3]", "mail?.example.org")) {
            assertThat(helo(bad)).as(bad).isInstanceOfSatisfying(Verdict.Reject.class,
                    r -> assertThat(r.reply().code()).isEqualTo(501));
        }
    }

    @Test
    void aNameWithoutADotIsRejectedWith504() { // Postfix's reject_non_fqdn_helo_hostname
        assertThat(helo("laptop")).isEqualTo(new Verdict.Reject(new Reply(504, "5.5.2",
                "<laptop>: Helo command rejected: need fully-qualified hostname"), "non_fqdn: no dot in the name"));
        assertThat(helo("localhost")).isInstanceOf(Verdict.Reject.class);
    }

    @Test
    void ourOwnNameOrAddressFromAnotherHostIsRejectedWith550() {
        assertThat(helo("MX.facteur.test")).isEqualTo(new Verdict.Reject(new Reply(550, "5.7.1",
                "<MX.facteur.test>: Helo command rejected: that is my name"), "ours: our own name"));
        assertThat(helo("[192.0.2.25]")).isInstanceOfSatisfying(Verdict.Reject.class,
                r -> assertThat(r.reply().lines().getFirst()).endsWith("that is my address"));
        assertThat(helo(DEFAULTS, "2001:db8::7", "[IPv6:2001:db8::25]")).isInstanceOfSatisfying(Verdict.Reject.class,
                r -> assertThat(r.reply().lines().getFirst()).endsWith("that is my address"));
        assertThat(helo(DEFAULTS, "192.0.2.25", "mx.facteur.test")).as("from our own address, it is true").isEqualTo(Verdict.DUNNO);
        assertThat(helo(DEFAULTS, "192.0.2.25", "[192.0.2.25]")).isEqualTo(Verdict.DUNNO);
    }

    @Test
    void aLiteralThatIsNotTheClientsAddressIsOnlyTaggedByDefault() { // RFC 5321 §4.1.4: no refusal for a mismatch
        assertThat(helo("[10.1.2.3]")).isEqualTo(new Verdict.AddHeader("X-Facteur-HELO: literal_mismatch ([10.1.2.3])",
                "literal_mismatch: the client is 198.51.100.7"));
        assertThat(helo(all(Action.REJECT), "198.51.100.7", "[10.1.2.3]")).isEqualTo(new Verdict.Reject(new Reply(550, "5.7.1",
                "<[10.1.2.3]>: Helo command rejected: that is not your address"), "literal_mismatch: the client is 198.51.100.7"));
        assertThat(helo(DEFAULTS, "198.51.100.7", "[IPv6:::ffff:198.51.100.7]")).as("IPv4-mapped: the same address").isEqualTo(Verdict.DUNNO);
    }

    @Test
    void eachRuleHasItsOwnActionAndTheStrongestWins() {
        assertThat(helo(all(Action.DEFER), "198.51.100.7", "laptop")).isEqualTo(new Verdict.Defer(new Reply(450, "4.5.2",
                "<laptop>: Helo command rejected: need fully-qualified hostname"), "non_fqdn: no dot in the name"));
        assertThat(helo(all(Action.TAG), "198.51.100.7", "laptop")).isEqualTo(new Verdict.AddHeader("X-Facteur-HELO: non_fqdn (laptop)",
                "non_fqdn: no dot in the name"));
        assertThat(helo(all(Action.OFF), "198.51.100.7", "laptop")).isEqualTo(Verdict.DUNNO);
        var s = new HeloCheck.Settings(Action.REJECT, Action.OFF, Action.TAG, Action.REJECT, DEFAULTS.ourNames(), DEFAULTS.ourAddresses());
        assertThat(helo(s, "198.51.100.7", "localhost")).as("non_fqdn off").isEqualTo(Verdict.DUNNO);
        assertThat(helo(s, "198.51.100.7", "[192.0.2.25]")).as("ours: tag; a mismatch too: reject").isInstanceOfSatisfying(
                Verdict.Reject.class, r -> assertThat(r.why()).startsWith("literal_mismatch"));
    }

    @Test
    void aLongNameIsCutInRepliesAndHeaderFields() {
        String longName = "a".repeat(300);
        assertThat(helo(all(Action.TAG), "198.51.100.7", longName)).isInstanceOfSatisfying(Verdict.AddHeader.class,
                h -> assertThat(h.field()).isEqualTo("X-Facteur-HELO: invalid (" + "a".repeat(100) + "...)"));
    }
}
