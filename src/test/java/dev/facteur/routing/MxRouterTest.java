package dev.facteur.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.dns.Mx;
import dev.facteur.dns.MxAnswer;
import dev.facteur.testing.FakeDnsResolver;
import java.net.InetAddress;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MxRouterTest {

    private final FakeDnsResolver dns = new FakeDnsResolver();
    private final MxRouter router = new MxRouter(dns, 2526, "mx.facteur.test", Set.of(InetAddress.ofLiteral("127.0.0.1")), true);

    private List<String> hops(String domain) {
        return ((Route.Hops) router.route(domain)).hops().stream().map(Hop::toString).toList();
    }

    @Test
    void mxHostsAreTriedByPreferenceEachWithAllItsAddresses() { // RFC 5321 §5.1
        dns.withMx("example.org", new MxAnswer.Records(List.of(new Mx(20, "mx2.example.org"), new Mx(10, "mx1.example.org"))));
        dns.withAddresses("mx1.example.org", "127.0.0.21", "::1").withAddresses("mx2.example.org", "127.0.0.22");
        assertThat(hops("Example.ORG")).containsExactly(
                "mx1.example.org[0:0:0:0:0:0:0:1]:2526", "mx1.example.org[127.0.0.21]:2526", "mx2.example.org[127.0.0.22]:2526");
    }

    @Test
    void aDomainWithoutMxIsItsOwnImplicitMx() { // RFC 5321 §5.1
        dns.withMx("example.org", new MxAnswer.NoRecords());
        dns.withAddresses("example.org", "127.0.0.23");
        assertThat(hops("example.org")).containsExactly("example.org[127.0.0.23]:2526");
    }

    @Test
    void nullMxIsAPermanentFailure() { // RFC 7505 §4.2
        dns.withMx("example.org", new MxAnswer.NullMx());
        assertThat(((Route.Permanent) router.route("example.org")).reason().enhanced()).isEqualTo("5.1.10");
    }

    @Test
    void anUnknownDomainIsPermanentAndDnsTroubleTemporary() {
        assertThat(((Route.Permanent) router.route("nowhere.example")).reason().enhanced()).isEqualTo("5.1.2");
        dns.withMx("flaky.example", new MxAnswer.TempFail("SERVFAIL"));
        assertThat(((Route.Temporary) router.route("flaky.example")).reason().enhanced()).isEqualTo("4.4.3");
    }

    @Test
    void mxHostsWithoutAddressesAreSkipped() {
        dns.withMx("example.org", new MxAnswer.Records(List.of(new Mx(10, "gone.example.org"), new Mx(20, "mx2.example.org"))));
        dns.withAddresses("mx2.example.org", "127.0.0.22");
        assertThat(hops("example.org")).containsExactly("mx2.example.org[127.0.0.22]:2526");
    }

    @Test
    void whenWeAreAnMxOnlyBetterHostsAreUsed() { // RFC 5321 §5.1, last paragraphs
        dns.withMx("example.org", new MxAnswer.Records(List.of(
                new Mx(10, "primary.example.org"), new Mx(20, "mx.facteur.test"), new Mx(30, "backup.example.org"))));
        dns.withAddresses("primary.example.org", "127.0.0.21").withAddresses("backup.example.org", "127.0.0.22");
        assertThat(hops("example.org")).containsExactly("primary.example.org[127.0.0.21]:2526");
    }

    @Test
    void mailWhoseBestMxIsUsLoops() {
        dns.withMx("example.org", new MxAnswer.Records(List.of(new Mx(10, "alias-of-us.example.org"))));
        dns.withAddresses("alias-of-us.example.org", "127.0.0.1");
        assertThat(((Route.Permanent) router.route("example.org")).reason().enhanced()).isEqualTo("5.4.6");
    }

    @Test
    void addressLiteralsGoStraightToTheAddress() { // RFC 5321 §4.1.3
        assertThat(hops("[127.0.0.5]")).containsExactly("[127.0.0.5][127.0.0.5]:2526");
        assertThat(hops("[IPv6:::1]")).hasSize(1);
        var strict = new MxRouter(dns, 25, "x", Set.of(), false);
        assertThat(strict.route("[127.0.0.5]")).isInstanceOf(Route.Permanent.class);
    }

    @Test
    void anMxThatIsAnAddressIsAccepted() { // not RFC-clean, but common
        dns.withMx("example.org", new MxAnswer.Records(List.of(new Mx(10, "127.0.0.25"))));
        assertThat(hops("example.org")).containsExactly("127.0.0.25[127.0.0.25]:2526");
    }
}
