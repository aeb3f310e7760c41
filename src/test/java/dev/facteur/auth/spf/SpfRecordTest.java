package dev.facteur.auth.spf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.facteur.testing.FakeDnsResolver;
import java.net.InetAddress;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** RFC 7208 §4.5, §4.6, §5 and §6: which TXT records are SPF records, and their grammar. */
class SpfRecordTest {

    @Test
    void theVersionIsFollowedByASpaceOrTheEnd() { // §4.5
        assertThat(SpfRecord.isSpf("v=spf1")).isTrue();
        assertThat(SpfRecord.isSpf("V=SpF1 -all")).isTrue();
        assertThat(SpfRecord.isSpf("v=spf10")).isFalse();
        assertThat(SpfRecord.isSpf("v=spf1mx")).isFalse();
        assertThat(SpfRecord.isSpf(" v=spf1 -all")).isFalse();
    }

    @Test
    void aAndMxTakeOneLengthForEachFamily() throws SyntaxError { // §5.6 dual-cidr-length
        var record = SpfRecord.parse("v=spf1 a/24//64 mx:example.com//48 a:foo:bar/baz.example.com");
        assertThat(record.directives().get(0).mechanism()).isEqualTo(new Mechanism.A(null, new DualCidr(24, 64)));
        var mx = (Mechanism.Mx) record.directives().get(1).mechanism();
        assertThat(mx.domain().text()).isEqualTo("example.com");
        assertThat(mx.cidr()).isEqualTo(new DualCidr(32, 48));
        var a = (Mechanism.A) record.directives().get(2).mechanism(); // a "/" that starts no length is part of the name
        assertThat(a.domain().text()).isEqualTo("foo:bar/baz.example.com");
        assertThat(a.cidr()).isEqualTo(DualCidr.WHOLE);
    }

    @Test
    void ip6TakesEveryTextFormOfRfc4291() throws SyntaxError {
        var record = SpfRecord.parse("v=spf1 ip6:2001:DB8::1 ip6:::1.2.3.4/96 ip6:1:2:3:4:5:6:7:8/128 ip6:::/0");
        assertThat(record.directives()).extracting(d -> ((Mechanism.Ip) d.mechanism()).network().toString())
                .containsExactly("2001:db8:0:0:0:0:0:1/128", "0:0:0:0:0:0:102:304/96", "1:2:3:4:5:6:7:8/128", "0:0:0:0:0:0:0:0/0");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "v=spf1 ip4:1.2.3", "v=spf1 ip4:1.2.3.04", "v=spf1 ip4:1.2.3.4/33", "v=spf1 ip4:1.2.3.4/032", "v=spf1 ip4:1.2.3.4//32",
            "v=spf1 ip6:1::2::3", "v=spf1 ip6:1:2:3:4:5:6:7:8:9", "v=spf1 ip6:::1/129", "v=spf1 ip6:[::1]", "v=spf1 ip6:fe80::1%eth0",
            "v=spf1 a/24/64", "v=spf1 a:", "v=spf1 mx:example.com/", "v=spf1 ptr/24", "v=spf1 include:", "v=spf1 exists",
            "v=spf1 -all.", "v=spf1 all:x", "v=spf1 redirect:example.com", "v=spf1 1up=foo", "v=spf1 =all", "v=spf1 foo=%x",
            "v=spf1 exp=", "v=spf1 redirect=a.example redirect=b.example", "v=spf1 exp=a.example exp=b.example",
            "v=spf1 a:example.com\tmx", "v=spf1 a:\u00e9xample.com"})
    void syntaxErrors(String record) { // §4.6: each makes check_host() a permerror
        assertThatThrownBy(() -> SpfRecord.parse(record)).isInstanceOf(SyntaxError.class);
    }

    /**
     * Random records from SPF-shaped pieces (and odd characters) must parse or be refused with a
     * SyntaxError, never anything else, and a check with them must end in a result.
     */
    @Test
    void randomRecordsNeverBreakTheCheck() {
        String[] pieces = {"a", "mx", "ptr", "ip4", "ip6", "all", "include", "exists", "redirect", "exp", "=", ":", "/", "//",
                "%{", "}", "%", "d", "i", "r", "2", "0", "32", "129", "-", "+", "~", "?", ".", "example.com", " ", " ",
                "1.2.3.4", "::1", "\u0000", "\u00e9", "\r\n", "{", "l", "o", "s", "h", "p", "v", "c", "t", "."};
        var random = new Random(7208);
        var dns = new FakeDnsResolver().withAddresses("example.com", "192.0.2.1").withTxt("x.example.com", "v=spf1 -all");
        var spf = new Spf(dns, SpfSettings.of("receiver.example"));
        for (int n = 0; n < 5_000; n++) {
            var sb = new StringBuilder("v=spf1 ");
            for (int k = random.nextInt(12); k >= 0; k--) sb.append(pieces[random.nextInt(pieces.length)]);
            String record = sb.toString();
            try {
                SpfRecord.parse(record);
            } catch (SyntaxError expected) {
                // refused: fine
            }
            dns.withTxt("example.com", record);
            assertThat(spf.checkHost(InetAddress.ofLiteral("192.0.2.1"), "example.com", "u@example.com", "h.example.com"))
                    .as(record).isNotNull();
        }
    }
}
