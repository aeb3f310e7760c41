package dev.facteur.dns;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.net.HostPort;
import dev.facteur.testing.BlackHole;
import dev.facteur.testing.Dnsmasq;
import dev.facteur.testing.Loopback;
import dev.facteur.testing.Patience;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** DnsJavaResolver against a real server: a private dnsmasq on loopback serving example.test. */
class DnsJavaResolverIT {

    private static final List<String> EXAMPLE_TEST = List.of(
            "local=/example.test/", // unknown names in example.test are NXDOMAIN, not REFUSED
            "local=/0.0.127.in-addr.arpa/",
            "local-ttl=300",        // dnsmasq's own records have TTL 0 otherwise, and nothing would be cached
            "mx-host=two.example.test,mx1.example.test,10",
            "mx-host=two.example.test,mx2.example.test,20",
            "mx-host=eq.example.test,mxa.example.test,10",
            "mx-host=eq.example.test,mxb.example.test,10",
            "host-record=mx1.example.test,127.0.0.21",     // A only
            "host-record=mx2.example.test,::1",           // AAAA only
            "host-record=mxa.example.test,127.0.0.22,::1", // both
            "host-record=mxb.example.test,127.0.0.23",
            "dns-rr=nullmx.example.test,15,000000",        // MX 0 . (RFC 7505)
            "host-record=aonly.example.test,127.0.0.30",
            "cname=alias.example.test,mx1.example.test",
            "mx-host=cname.example.test,alias.example.test,5",
            "mx-host=literal.example.test,127.0.0.5,10",
            "mx-host=xn--bcher-kva.example.test,mx1.example.test,10");

    private static Dnsmasq dnsmasq;
    private static DnsJavaResolver dns;

    @BeforeAll
    static void startDnsmasq() throws Exception {
        var config = new ArrayList<>(EXAMPLE_TEST);
        // 100 A records do not fit in a 1232-byte UDP answer: the server sets TC and the answer comes over TCP.
        IntStream.rangeClosed(1, 100).forEach(i -> config.add("host-record=many.example.test,127.0.1." + i));
        dnsmasq = Dnsmasq.start(config);
        dns = new DnsJavaResolver(List.of(dnsmasq.hostPort()), Duration.ofSeconds(2), 1);
    }

    @AfterAll
    static void stopDnsmasq() {
        if (dnsmasq != null) dnsmasq.close();
    }

    @Test
    void mxRecordsComeMostPreferredFirst() { // RFC 5321 §5.1
        assertThat(dns.mx("two.example.test")).isEqualTo(records(new Mx(10, "mx1.example.test"), new Mx(20, "mx2.example.test")));
    }

    @Test
    void mxRecordsOfEqualPreferenceAreAllListed() { // their order is random: DnsJavaResolverTest
        assertThat(((MxAnswer.Records) dns.mx("eq.example.test")).mxs())
                .containsExactlyInAnyOrder(new Mx(10, "mxa.example.test"), new Mx(10, "mxb.example.test"));
    }

    @Test
    void aNullMxMeansNoMail() { // RFC 7505 §3
        assertThat(dns.mx("nullmx.example.test")).isEqualTo(new MxAnswer.NullMx());
    }

    @Test
    void aDomainWithAnAddressButNoMxHasNoRecords() { // RFC 5321 §5.1: the caller uses the implicit MX
        assertThat(dns.mx("aonly.example.test")).isEqualTo(new MxAnswer.NoRecords());
        assertThat(dns.addresses("aonly.example.test")).isEqualTo(found("127.0.0.30"));
    }

    @Test
    void aNameThatDoesNotExistIsNxDomain() {
        assertThat(dns.mx("nowhere.example.test")).isEqualTo(new MxAnswer.NxDomain());
        assertThat(dns.addresses("nowhere.example.test")).isEqualTo(new AddressAnswer.NxDomain());
    }

    @Test
    void addressesOfEitherFamilyOrBothIPv6First() { // RFC 6724 §10.3
        assertThat(dns.addresses("mx1.example.test")).isEqualTo(found("127.0.0.21"));
        assertThat(dns.addresses("mx2.example.test")).isEqualTo(found("::1"));
        assertThat(((AddressAnswer.Found) dns.addresses("mxa.example.test")).addresses())
                .containsExactly(InetAddress.ofLiteral("::1"), InetAddress.ofLiteral("127.0.0.22"));
    }

    @Test
    void anMxHostThatIsACnameIsFollowedForItsAddresses() {
        assertThat(dns.mx("cname.example.test")).isEqualTo(records(new Mx(5, "alias.example.test")));
        assertThat(dns.addresses("alias.example.test")).isEqualTo(found("127.0.0.21"));
    }

    @Test
    void anMxHostWrittenAsAnAddressIsReportedAsIs() { // RFC 5321 §5.1 forbids it; routing decides
        assertThat(dns.mx("literal.example.test")).isEqualTo(records(new Mx(10, "127.0.0.5")));
    }

    @Test
    void namesMatchWithoutRegardToCaseOrTheFinalDot() { // RFC 4343
        assertThat(dns.mx("TWO.Example.Test.")).isEqualTo(dns.mx("two.example.test"));
    }

    @Test
    void utf8DomainsAreLookedUpByTheirALabels() { // RFC 6531 §3.2
        assertThat(dns.mx("bücher.example.test")).isEqualTo(records(new Mx(10, "mx1.example.test")));
    }

    @Test
    void aTruncatedAnswerIsAskedAgainOverTcp() { // RFC 7766 §5
        assertThat(((AddressAnswer.Found) dns.addresses("many.example.test")).addresses()).hasSize(100);
    }

    @Test
    void ptrNamesComeFromTheReverseZone() { // RFC 1035 §3.5; dnsmasq's host-record makes the PTR too
        assertThat(dns.ptr(InetAddress.ofLiteral("127.0.0.21"))).isEqualTo(new PtrAnswer.Names(List.of("mx1.example.test")));
        assertThat(dns.ptr(InetAddress.ofLiteral("127.0.0.77"))).isEqualTo(new PtrAnswer.NxDomain());
    }

    @Test
    void theIpv4LookupAsksForARecordsOnly() { // RFC 5782 §2.1
        assertThat(dns.ipv4("mxa.example.test")).isEqualTo(found("127.0.0.22"));
        assertThat(dns.ipv4("mx2.example.test")).as("AAAA only").isEqualTo(new AddressAnswer.NoRecords());
        assertThat(dns.ipv4("nowhere.example.test")).isEqualTo(new AddressAnswer.NxDomain());
    }

    @Test
    void aRefusedQueryIsATemporaryFailure() { // dnsmasq has no upstream for names outside example.test
        assertThat(dns.mx("elsewhere.test")).isInstanceOfSatisfying(MxAnswer.TempFail.class,
                t -> assertThat(t.reason()).contains("REFUSED"));
    }

    @Test
    void aPortWhereNothingListensIsATemporaryFailure() throws Exception {
        // a host of this run's own that nobody listens on
        var silent = new DnsJavaResolver(List.of(new HostPort(Loopback.host(), 53)), Duration.ofMillis(300), 1);
        assertThat(silent.mx("two.example.test")).isInstanceOf(MxAnswer.TempFail.class);
        assertThat(silent.addresses("mx1.example.test")).isInstanceOf(AddressAnswer.TempFail.class);
    }

    @Test
    void aServerThatNeverAnswersIsAskedOncePerTryThenItIsATemporaryFailure() {
        try (var blackHole = new BlackHole()) {
            var silent = new DnsJavaResolver(List.of(blackHole.hostPort()), Duration.ofMillis(200), 2);
            long start = System.nanoTime();
            assertThat(silent.mx("two.example.test")).isInstanceOfSatisfying(MxAnswer.TempFail.class,
                    t -> assertThat(t.reason()).contains("timed out"));
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("each try waited its 200 ms").isGreaterThanOrEqualTo(Duration.ofMillis(600));
            // the hole counts each query as it reads it: all were sent before mx() returned, none after
            Patience.await("three queries reach the hole").until(() -> blackHole.queries() >= 3);
            assertThat(blackHole.queries()).isEqualTo(3); // the first try and two retries
        }
    }

    @Test
    void aSilentServerIsPassedOverForTheNext() {
        try (var blackHole = new BlackHole()) {
            var failover = new DnsJavaResolver(List.of(blackHole.hostPort(), dnsmasq.hostPort()), Duration.ofMillis(200), 0);
            assertThat(failover.mx("two.example.test")).isInstanceOf(MxAnswer.Records.class);
            Patience.await("the query reaches the hole").until(() -> blackHole.queries() >= 1);
            assertThat(blackHole.queries()).isEqualTo(1);
        }
    }

    @Test
    void cachedAnswersOutliveTheServerWithinTheirTtl() throws Exception {
        try (var own = Dnsmasq.start(EXAMPLE_TEST)) {
            var cached = new DnsJavaResolver(List.of(own.hostPort()), Duration.ofMillis(300), 0);
            MxAnswer mx = cached.mx("two.example.test");
            AddressAnswer addresses = cached.addresses("mxa.example.test");
            PtrAnswer ptr = cached.ptr(InetAddress.ofLiteral("127.0.0.21"));
            AddressAnswer listed = cached.ipv4("aonly.example.test");
            assertThat(mx).isInstanceOf(MxAnswer.Records.class);
            assertThat(addresses).isInstanceOf(AddressAnswer.Found.class);
            assertThat(ptr).isInstanceOf(PtrAnswer.Names.class);
            assertThat(listed).isInstanceOf(AddressAnswer.Found.class);

            own.stop();
            assertThat(cached.mx("two.example.test")).isEqualTo(mx);
            assertThat(cached.addresses("mxa.example.test")).isEqualTo(addresses);
            assertThat(cached.ptr(InetAddress.ofLiteral("127.0.0.21"))).isEqualTo(ptr);
            assertThat(cached.ipv4("aonly.example.test")).isEqualTo(listed);
            assertThat(cached.mx("eq.example.test")).isInstanceOf(MxAnswer.TempFail.class); // never asked: the server is gone
        }
    }

    private static MxAnswer records(Mx... mxs) {
        return new MxAnswer.Records(List.of(mxs));
    }

    private static AddressAnswer found(String... literals) {
        return new AddressAnswer.Found(List.of(literals).stream().map(InetAddress::ofLiteral).toList());
    }
}
