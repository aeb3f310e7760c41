package dev.facteur.auth.spf;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.auth.spf.SpfResult.Fail;
import dev.facteur.auth.spf.SpfResult.Neutral;
import dev.facteur.auth.spf.SpfResult.None;
import dev.facteur.auth.spf.SpfResult.Pass;
import dev.facteur.auth.spf.SpfResult.PermError;
import dev.facteur.auth.spf.SpfResult.TempError;
import dev.facteur.dns.Mx;
import dev.facteur.testing.FakeDnsResolver;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** check_host() (RFC 7208 §4) through the public entry points, on a fake DNS. */
class SpfTest {

    private static final InetAddress CLIENT = InetAddress.ofLiteral("192.0.2.10");
    private static final SpfSettings SETTINGS = new SpfSettings("mx.receiver.example", "not allowed: %{i} for %{d}",
            Clock.fixed(Instant.ofEpochSecond(1_700_000_000L), ZoneOffset.UTC));

    private final FakeDnsResolver dns = new FakeDnsResolver();
    private final Spf spf = new Spf(dns, SETTINGS);

    private SpfResult check(String domain) {
        return spf.checkHost(CLIENT, domain, "user@" + domain, "helo.example.org");
    }

    @Test
    void twoVoidLookupsAreTolerated() { // §4.6.4: "SPF implementations SHOULD limit "void lookups" to two"
        dns.withTxt("example.com", "v=spf1 a:nx1.example.com mx:nx2.example.com ?all");
        assertThat(check("example.com")).isEqualTo(new Neutral("?all"));
    }

    @Test
    void theThirdVoidLookupIsAPermerror() { // §4.6.4
        dns.withTxt("example.com", "v=spf1 a:nx1.example.com exists:nx2.example.com a:nx3.example.com ip4:192.0.2.10 -all");
        assertThat(check("example.com")).isInstanceOf(PermError.class)
                .extracting(r -> ((PermError) r).problem()).asString().contains("void lookups");
    }

    @Test
    void aNameWithoutRecordsOfTheTypeIsAVoidLookupToo() { // §4.6.4: NOERROR with no answers counts like NXDOMAIN
        dns.withTxt("example.com", "v=spf1 a:txt1.example.com a:txt2.example.com a:txt3.example.com ?all")
                .withTxt("txt1.example.com", "x").withTxt("txt2.example.com", "x").withTxt("txt3.example.com", "x");
        assertThat(check("example.com")).isInstanceOf(PermError.class);
    }

    @Test
    void theExplanationLookupIsNotAVoidLookup() { // suite "exp-void": exp= is looked up after the result, uncounted
        dns.withTxt("example.com", "v=spf1 a:nx1.example.com a:nx2.example.com exp=nx3.example.com -all");
        assertThat(check("example.com")).isEqualTo(new Fail("-all", "not allowed: 192.0.2.10 for example.com"));
    }

    @Test
    void tenDnsTermsAreAllowedAndTheEleventhIsAPermerror() { // §4.6.4
        dns.withTxt("ten.example.com", "v=spf1 " + "a:h.example.com ".repeat(10) + "ip4:192.0.2.10 -all")
                .withTxt("eleven.example.com", "v=spf1 " + "a:h.example.com ".repeat(11) + "ip4:192.0.2.10 -all")
                .withAddresses("h.example.com", "192.0.2.99");
        assertThat(check("ten.example.com")).isEqualTo(new Pass("ip4:192.0.2.10"));
        assertThat(check("eleven.example.com")).isInstanceOf(PermError.class);
    }

    @Test
    void includesCountTowardTheSameLimit() { // §4.6.4: the limit is per check, across includes and redirects
        dns.withTxt("example.com", "v=spf1 include:loop.example.com -all")
                .withTxt("loop.example.com", "v=spf1 include:example.com -all");
        assertThat(check("example.com")).isInstanceOf(PermError.class);
    }

    @Test
    void anIpv4MappedClientIsAnIpv4Client() throws Exception { // §5: "MUST still be considered an IPv4 address"
        dns.withTxt("example.com", "v=spf1 ip6:::ffff:192.0.2.10 a -all").withAddresses("example.com", "192.0.2.10", "2001:db8::10");
        // InetAddress.ofLiteral would give an Inet4Address already; a socket's peer address need not.
        var asIpv6 = Inet6Address.getByAddress(null, v6Mapped(InetAddress.ofLiteral("192.0.2.10").getAddress()), null);
        assertThat(asIpv6).isInstanceOf(Inet6Address.class);
        assertThat(spf.checkHost(asIpv6, "example.com", "u@example.com", "h.example.org")).isEqualTo(new Pass("a"));
        assertThat(dns.asked()).contains("A example.com").doesNotContain("AAAA example.com");
    }

    private static byte[] v6Mapped(byte[] v4) {
        byte[] b = new byte[16];
        b[10] = (byte) 0xff;
        b[11] = (byte) 0xff;
        System.arraycopy(v4, 0, b, 12, 4);
        return b;
    }

    @Test
    void anIpv4MappedClientExpandsAsIpv4() { // §5 and §7.3: i and v of an IPv4 client
        dns.withTxt("example.com", "v=spf1 exists:%{ir}.%{v}.list.example.com -all")
                .withAddresses("10.2.0.192.in-addr.list.example.com", "127.0.0.2");
        assertThat(spf.checkHost(InetAddress.ofLiteral("::ffff:192.0.2.10"), "example.com", "u@example.com", "h"))
                .isInstanceOf(Pass.class);
    }

    @Test
    void anIncludeWithoutARecordIsAPermerror() { // §5.2: none in the included domain
        dns.withTxt("example.com", "v=spf1 include:norecord.example.com -all").withAddresses("norecord.example.com", "192.0.2.1");
        assertThat(check("example.com")).isInstanceOf(PermError.class);
    }

    @Test
    void aRedirectWithoutARecordIsAPermerror() { // §6.1
        dns.withTxt("example.com", "v=spf1 redirect=nowhere.example.com");
        assertThat(check("example.com")).isInstanceOf(PermError.class);
    }

    @Test
    void theExplanationIsOnlyLookedUpOnFail() { // §6.2: "exp" is used only for a fail
        dns.withTxt("example.com", "v=spf1 ip4:192.0.2.10 exp=why.example.com -all")
                .withTxt("why.example.com", "%{i} is not welcome at %{r}");
        assertThat(check("example.com")).isEqualTo(new Pass("ip4:192.0.2.10"));
        assertThat(dns.asked()).doesNotContain("TXT why.example.com");

        var other = spf.checkHost(InetAddress.ofLiteral("192.0.2.11"), "example.com", "u@example.com", "h");
        assertThat(other).isEqualTo(new Fail("-all", "192.0.2.11 is not welcome at mx.receiver.example"));
    }

    @Test
    void aDomainThatIsNotAFullyQualifiedNameHasNoPolicy() { // §4.3
        assertThat(check("localhost")).isInstanceOf(None.class);
        assertThat(check("a..example.com")).isInstanceOf(None.class);
        assertThat(check("x".repeat(64) + ".example.com")).isInstanceOf(None.class);
        assertThat(check(("a".repeat(60) + ".").repeat(5) + "com")).isInstanceOf(None.class); // 308 characters
        assertThat(check("[192.0.2.1]")).isInstanceOf(None.class);
        assertThat(dns.asked()).isEmpty();
    }

    @Test
    void theHeloIdentityIsPostmasterAtTheHeloName() { // §2.3
        dns.withTxt("mail.example.org", "v=spf1 exists:%{l}.%{o}.check.example.org -all")
                .withAddresses("postmaster.mail.example.org.check.example.org", "127.0.0.2");
        SpfCheck helo = spf.checkHelo(CLIENT, "mail.example.org");
        assertThat(helo.identity()).isEqualTo(SpfCheck.Identity.HELO);
        assertThat(helo.sender()).isEqualTo("postmaster@mail.example.org");
        assertThat(helo.result()).isInstanceOf(Pass.class);
    }

    @Test
    void aNullReversePathIsCheckedAsPostmasterAtTheHeloName() { // §2.4
        dns.withTxt("mail.example.org", "v=spf1 ip4:192.0.2.10 -all");
        SpfCheck bounce = spf.checkMailFrom(CLIENT, "", "mail.example.org");
        assertThat(bounce.identity()).isEqualTo(SpfCheck.Identity.MAILFROM);
        assertThat(bounce.sender()).isEqualTo("postmaster@mail.example.org");
        assertThat(bounce.domain()).isEqualTo("mail.example.org");
        assertThat(bounce.result()).isInstanceOf(Pass.class);
    }

    @Test
    void aSenderWithoutLocalPartIsPostmaster() { // §4.3
        dns.withTxt("example.net", "v=spf1 -all exp=why.example.net").withTxt("why.example.net", "%{l}");
        assertThat(spf.checkMailFrom(CLIENT, "@example.net", "h").result()).isEqualTo(new Fail("-all", "postmaster"));
    }

    @Test
    void mxMechanismsLookAtNoMoreThanTenExchangers() { // §4.6.4: more is a permerror
        var mxs = new Mx[11];
        for (int i = 0; i < 11; i++) mxs[i] = new Mx(i, "mx" + i + ".example.com");
        dns.withTxt("example.com", "v=spf1 mx -all").withMx("example.com", mxs).withAddresses("mx0.example.com", "192.0.2.10");
        assertThat(check("example.com")).isInstanceOf(PermError.class);
    }

    @Test
    void aValidatedPtrNameMatches() { // §5.5
        dns.withTxt("example.com", "v=spf1 ptr -all")
                .withPtr("192.0.2.10", "forged.example.com", "mail.example.com")
                .withAddresses("forged.example.com", "198.51.100.1")
                .withAddresses("mail.example.com", "192.0.2.10");
        assertThat(check("example.com")).isEqualTo(new Pass("ptr"));
        dns.withPtr("192.0.2.10", "forged.example.com");
        assertThat(check("example.com")).isInstanceOf(Fail.class);
    }

    @Test
    void aDnsTimeoutIsATemperror() { // §4.4, §5
        dns.withTxt("example.com", "v=spf1 a:slow.example.com -all")
                .withAddresses("slow.example.com", new dev.facteur.dns.AddressAnswer.TempFail("SERVFAIL"));
        assertThat(check("example.com")).isInstanceOf(TempError.class);
    }

    @Test
    void anInterruptedCheckEndsAsATemperror() throws Exception { // the caller's deadline (§4.6.4's 20 s)
        dns.withTxt("example.com", "v=spf1 a:silent.example.com -all").silent("silent.example.com");
        var result = new CompletableFuture<SpfResult>();
        Thread t = Thread.ofVirtual().start(() -> result.complete(check("example.com")));
        Thread.sleep(100);
        t.interrupt();
        assertThat(result.get(5, TimeUnit.SECONDS)).isInstanceOf(TempError.class);
    }

    @Test
    void syntaxErrorsAnywhereInTheRecordArePermerrors() { // §4.6: even after a mechanism that would match
        dns.withTxt("example.com", "v=spf1 ip4:192.0.2.10 -all moo");
        assertThat(check("example.com")).isInstanceOf(PermError.class);
    }

    @Test
    void unknownModifiersAreIgnored() { // §6
        dns.withTxt("example.com", "v=spf1 ip4:192.0.2.10 custom.note=%{d} -all");
        assertThat(check("example.com")).isEqualTo(new Pass("ip4:192.0.2.10"));
    }

    @Test
    void badInputNeverThrows() { // every odd argument ends in a result
        dns.withTxt("example.com", "v=spf1 a:%{h}.x.example.com exists:%{l}.%{s}.%{o}.example.com -all");
        assertThat(spf.checkHost(CLIENT, null, null, null)).isInstanceOf(None.class);
        assertThat(spf.checkHost(CLIENT, "example.com", "no-at-sign", "\r\nX: y")).isInstanceOf(Fail.class);
        assertThat(spf.checkHost(CLIENT, "example.com", "\"weird local\"@example.com", "%%%%.{}")).isInstanceOf(Fail.class);
        assertThat(spf.checkMailFrom(CLIENT, null, null).result()).isInstanceOf(None.class);
        assertThat(spf.checkHelo(CLIENT, "").result()).isInstanceOf(None.class);
    }
}
