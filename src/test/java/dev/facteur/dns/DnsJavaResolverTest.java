package dev.facteur.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.facteur.metrics.Metrics;
import dev.facteur.net.HostPort;
import dev.facteur.testing.ManualClock;
import dev.facteur.testing.PrometheusText;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.Cache;
import org.xbill.DNS.DClass;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.Flags;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TSIG;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

/** DnsJavaResolver's own rules, against a DNS server faked in memory. DnsJavaResolverTest uses a real one. */
class DnsJavaResolverTest {

    @Test
    void everyLookupIsCountedByTypeAndResultAndTimedCachedAnswersToo() {
        var server = new FakeServer(q -> switch (question(q)) {
            case "example.test. MX" -> reply(q, Rcode.NOERROR, mx("example.test.", 300, 10, "mx.example.test."));
            case "mx.example.test. A" -> reply(q, Rcode.NOERROR, a("mx.example.test.", "192.0.2.25"));
            case "mx.example.test. AAAA" -> withSoa(reply(q, Rcode.NOERROR), 60);
            case "servfail.test. TXT" -> reply(q, Rcode.SERVFAIL);
            default -> withSoa(reply(q, Rcode.NXDOMAIN), 60);
        });
        Metrics metrics = Metrics.prometheus(ManualClock.stopped());
        var dns = resolver(server).measuredBy(metrics.dns());
        dns.mx("example.test");
        dns.mx("example.test"); // from the cache: still a lookup mail waited for
        dns.addresses("mx.example.test");
        dns.mx("nx.example.test");
        dns.txt("servfail.test");

        var text = PrometheusText.parse(metrics.scrape());
        assertThat(text.value("facteur_dns_lookups_total", "type", "MX", "result", "found")).isEqualTo(2);
        assertThat(text.value("facteur_dns_lookups_total", "type", "A", "result", "found")).isEqualTo(1);
        assertThat(text.value("facteur_dns_lookups_total", "type", "AAAA", "result", "nodata")).isEqualTo(1);
        assertThat(text.value("facteur_dns_lookups_total", "type", "MX", "result", "nxdomain")).isEqualTo(1);
        assertThat(text.value("facteur_dns_lookups_total", "type", "TXT", "result", "tempfail")).isEqualTo(1);
        assertThat(text.sum("facteur_dns_lookups_total")).isEqualTo(6);
        assertThat(text.value("facteur_dns_lookup_duration_seconds_count", "type", "MX")).isEqualTo(3);
        assertThat(server.questions).as("the metrics ask nothing themselves").hasSize(5);
    }

    @Test
    void servfailAndRefusedAreTemporary() {
        var server = new FakeServer(q -> switch (question(q)) {
            case "servfail.example.test. MX" -> reply(q, Rcode.SERVFAIL);
            default -> reply(q, Rcode.REFUSED);
        });
        var dns = resolver(server);
        assertThat(dns.mx("servfail.example.test")).isInstanceOfSatisfying(MxAnswer.TempFail.class,
                t -> assertThat(t.reason()).contains("SERVFAIL"));
        assertThat(dns.mx("refused.example.test")).isInstanceOfSatisfying(MxAnswer.TempFail.class,
                t -> assertThat(t.reason()).contains("REFUSED"));
    }

    @Test
    void aTimeoutIsTemporary() {
        var dns = resolver(new FakeServer(q -> {
            throw new UncheckedIOException(new SocketTimeoutException("no answer"));
        }));
        assertThat(dns.mx("example.test")).isInstanceOfSatisfying(MxAnswer.TempFail.class,
                t -> assertThat(t.reason()).contains("timed out"));
        assertThat(dns.addresses("mx.example.test")).isInstanceOf(AddressAnswer.TempFail.class);
    }

    @Test
    void aCnameLoopIsTemporary() {
        var dns = resolver(new FakeServer(q -> switch (question(q)) {
            case "a.example.test. MX" -> reply(q, Rcode.NOERROR, cname("a.example.test.", "b.example.test."));
            case "b.example.test. MX" -> reply(q, Rcode.NOERROR, cname("b.example.test.", "a.example.test."));
            default -> reply(q, Rcode.NXDOMAIN);
        }));
        assertThat(dns.mx("a.example.test")).isInstanceOf(MxAnswer.TempFail.class);
    }

    @Test
    void answersAreCachedForTheirTtl() {
        var server = new FakeServer(q -> switch (question(q)) {
            case "cached.example.test. MX" -> reply(q, Rcode.NOERROR, mx("cached.example.test.", 300, 10, "mx.example.test."));
            default -> reply(q, Rcode.NOERROR, mx("uncached.example.test.", 0, 10, "mx.example.test."));
        });
        var dns = resolver(server);
        for (int i = 0; i < 3; i++) {
            assertThat(dns.mx("cached.example.test")).isEqualTo(new MxAnswer.Records(List.of(new Mx(10, "mx.example.test"))));
            assertThat(dns.mx("uncached.example.test")).isInstanceOf(MxAnswer.Records.class);
        }
        assertThat(server.questions).containsExactly("cached.example.test. MX",
                "uncached.example.test. MX", "uncached.example.test. MX", "uncached.example.test. MX");
    }

    @Test
    void anAnswerSaysHowLongItMayBeKeptTheLowestTtlOfItsRecords() {
        var dns = resolver(new FakeServer(q -> switch (question(q)) {
            case "2.0.0.127.bl.test. A" -> reply(q, Rcode.NOERROR, new ARecord(name("2.0.0.127.bl.test."), DClass.IN, 900,
                    InetAddress.ofLiteral("127.0.0.2")), new ARecord(name("2.0.0.127.bl.test."), DClass.IN, 300, InetAddress.ofLiteral("127.0.0.4")));
            case "7.2.0.192.in-addr.arpa. PTR" -> reply(q, Rcode.NOERROR, ptr("7.2.0.192.in-addr.arpa.", 3600, "mta.example.test."));
            default -> withSoa(reply(q, Rcode.NXDOMAIN), 60);
        }));
        assertThat(dns.timedIpv4("2.0.0.127.bl.test")).isEqualTo(new DnsResolver.Timed<AddressAnswer>(
                new AddressAnswer.Found(List.of(InetAddress.ofLiteral("127.0.0.2"), InetAddress.ofLiteral("127.0.0.4"))), Duration.ofSeconds(300)));
        assertThat(dns.timedPtr(InetAddress.ofLiteral("192.0.2.7")).ttl()).isEqualTo(Duration.ofHours(1));
        assertThat(dns.timedIpv4("3.0.0.127.bl.test")).as("a negative answer: not known here")
                .isEqualTo(new DnsResolver.Timed<AddressAnswer>(new AddressAnswer.NxDomain(), Duration.ZERO));
    }

    @Test
    void txtRecordsAreEachJoinedFromTheirStrings() { // RFC 7208 §3.3: a long record in 255-byte strings reads as one
        var dns = resolver(new FakeServer(q -> switch (question(q)) {
            case "example.test. TXT" -> reply(q, Rcode.NOERROR,
                    new TXTRecord(name("example.test."), DClass.IN, 300, List.of("v=spf1 ip4:192.0.2.0/24 ", "-all")),
                    new TXTRecord(name("example.test."), DClass.IN, 300, "google-site-verification=abc"));
            case "empty.test. TXT" -> withSoa(reply(q, Rcode.NOERROR), 60);
            case "servfail.test. TXT" -> reply(q, Rcode.SERVFAIL);
            default -> withSoa(reply(q, Rcode.NXDOMAIN), 60);
        }));
        assertThat(dns.txt("example.test")).isEqualTo(new TxtAnswer.Records(List.of("v=spf1 ip4:192.0.2.0/24 -all",
                "google-site-verification=abc")));
        assertThat(dns.txt("empty.test")).isEqualTo(new TxtAnswer.NoRecords());
        assertThat(dns.txt("nx.test")).isEqualTo(new TxtAnswer.NxDomain());
        assertThat(dns.txt("servfail.test")).isInstanceOf(TxtAnswer.TempFail.class);
    }

    @Test
    void negativeAnswersAreCachedForTheSoaMinimum() { // RFC 2308 §5
        var server = new FakeServer(q -> switch (question(q)) {
            case "nodata.example.test. MX" -> withSoa(reply(q, Rcode.NOERROR), 60);
            case "nx.example.test. MX" -> withSoa(reply(q, Rcode.NXDOMAIN), 60);
            default -> withSoa(reply(q, Rcode.NXDOMAIN), 0);
        });
        var dns = resolver(server);
        for (int i = 0; i < 2; i++) {
            assertThat(dns.mx("nodata.example.test")).isEqualTo(new MxAnswer.NoRecords());
            assertThat(dns.mx("nx.example.test")).isEqualTo(new MxAnswer.NxDomain());
            assertThat(dns.mx("zero.example.test")).isEqualTo(new MxAnswer.NxDomain());
        }
        assertThat(server.questions).containsExactly("nodata.example.test. MX", "nx.example.test. MX",
                "zero.example.test. MX", "zero.example.test. MX");
    }

    @Test
    void namesAreAbsoluteAndEtcHostsIsNotDns() { // no search domain; "localhost" is whatever DNS says
        var server = new FakeServer(q -> reply(q, Rcode.NXDOMAIN));
        assertThat(resolver(server).addresses("localhost")).isEqualTo(new AddressAnswer.NxDomain());
        assertThat(server.questions).containsExactlyInAnyOrder("localhost. A", "localhost. AAAA");
    }

    @Test
    void utf8DomainsAreLookedUpByTheirALabels() { // RFC 6531 §3.2, RFC 5890
        var server = new FakeServer(q -> reply(q, Rcode.NXDOMAIN));
        resolver(server).mx("Bücher.example.test");
        assertThat(server.questions).containsExactly("xn--bcher-kva.example.test. MX");
    }

    @Test
    void aNameDnsCannotHoldDoesNotExist() {
        var server = new FakeServer(q -> reply(q, Rcode.NOERROR));
        var dns = resolver(server);
        assertThat(dns.mx("a..b.example.test")).isEqualTo(new MxAnswer.NxDomain());
        assertThat(dns.addresses("x".repeat(64) + ".example.test")).isEqualTo(new AddressAnswer.NxDomain());
        assertThat(server.questions).isEmpty();
    }

    @Test
    void aNullMxBesideRealExchangersIsIgnored() { // RFC 7505 §3 forbids the mix; the real ones still take mail
        var dns = resolver(new FakeServer(q -> reply(q, Rcode.NOERROR,
                mx("mixed.example.test.", 300, 0, "."), mx("mixed.example.test.", 300, 10, "MX.Example.Test."))));
        assertThat(dns.mx("mixed.example.test")).isEqualTo(new MxAnswer.Records(List.of(new Mx(10, "mx.example.test"))));
    }

    @Test
    void equalPreferencesComeInRandomOrder() { // RFC 5321 §5.1: "MUST randomize them"
        var dns = resolver(new FakeServer(q -> reply(q, Rcode.NOERROR, mx("eq.example.test.", 300, 20, "c.example.test."),
                mx("eq.example.test.", 300, 10, "a.example.test."), mx("eq.example.test.", 300, 10, "b.example.test."))));
        var firsts = new HashSet<String>();
        for (int i = 0; i < 100; i++) {
            List<Mx> mxs = ((MxAnswer.Records) dns.mx("eq.example.test")).mxs();
            firsts.add(mxs.getFirst().host());
            assertThat(mxs.getLast()).isEqualTo(new Mx(20, "c.example.test"));
        }
        assertThat(firsts).containsExactlyInAnyOrder("a.example.test", "b.example.test");
    }

    @Test
    void oneAddressFamilyIsEnough() {
        var dns = resolver(new FakeServer(q -> switch (question(q)) {
            case "mx.example.test. A" -> reply(q, Rcode.NOERROR, a("mx.example.test.", "127.0.0.21"));
            default -> reply(q, Rcode.SERVFAIL);
        }));
        assertThat(dns.addresses("mx.example.test"))
                .isEqualTo(new AddressAnswer.Found(List.of(InetAddress.ofLiteral("127.0.0.21"))));
    }

    @Test
    void noAddressWithAFailureIsTemporary() {
        var dns = resolver(new FakeServer(q -> switch (question(q)) {
            case "mx.example.test. A" -> reply(q, Rcode.NOERROR);
            case "mx.example.test. AAAA" -> reply(q, Rcode.SERVFAIL);
            default -> reply(q, Rcode.NXDOMAIN);
        }));
        assertThat(dns.addresses("mx.example.test")).isInstanceOf(AddressAnswer.TempFail.class);
    }

    @Test
    void ptrIsAskedAtTheReversedAddressInInAddrArpa() { // RFC 1035 §3.5
        var server = new FakeServer(q -> switch (question(q)) {
            case "21.0.0.127.in-addr.arpa. PTR" -> reply(q, Rcode.NOERROR, ptr("21.0.0.127.in-addr.arpa.", 300, "Mail.Example.Test."),
                    ptr("21.0.0.127.in-addr.arpa.", 300, "other.example.test."));
            default -> reply(q, Rcode.NXDOMAIN);
        });
        var dns = resolver(server);
        assertThat(dns.ptr(InetAddress.ofLiteral("127.0.0.21"))).isEqualTo(new PtrAnswer.Names(List.of("mail.example.test", "other.example.test")));
        assertThat(dns.ptr(InetAddress.ofLiteral("127.0.0.22"))).isEqualTo(new PtrAnswer.NxDomain());
    }

    @Test
    void ptrOfAnIpv6AddressIsAskedInNibblesUnderIp6Arpa() { // RFC 3596 §2.5
        var server = new FakeServer(q -> reply(q, Rcode.NOERROR));
        assertThat(resolver(server).ptr(InetAddress.ofLiteral("2001:db8::1"))).isEqualTo(new PtrAnswer.NoRecords());
        assertThat(server.questions).containsExactly(
                "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa. PTR");
    }

    @Test
    void ptrFollowsACnameAsClasslessDelegationUsesThem() { // RFC 2317 §4
        var dns = resolver(new FakeServer(q -> switch (question(q)) {
            case "21.0.0.127.in-addr.arpa. PTR" -> reply(q, Rcode.NOERROR, cname("21.0.0.127.in-addr.arpa.", "21.16-31.0.0.127.in-addr.arpa."));
            case "21.16-31.0.0.127.in-addr.arpa. PTR" -> reply(q, Rcode.NOERROR, ptr("21.16-31.0.0.127.in-addr.arpa.", 300, "mail.example.test."));
            default -> reply(q, Rcode.NXDOMAIN);
        }));
        assertThat(dns.ptr(InetAddress.ofLiteral("127.0.0.21"))).isEqualTo(new PtrAnswer.Names(List.of("mail.example.test")));
    }

    @Test
    void ptrTroubleIsTemporary() {
        var dns = resolver(new FakeServer(q -> reply(q, Rcode.SERVFAIL)));
        assertThat(dns.ptr(InetAddress.ofLiteral("127.0.0.21"))).isInstanceOfSatisfying(PtrAnswer.TempFail.class,
                t -> assertThat(t.reason()).contains("SERVFAIL"));
    }

    @Test
    void aDnsListIsAskedForARecordsOnly() { // RFC 5782 §2.1
        var server = new FakeServer(q -> switch (question(q)) {
            case "2.0.0.127.bl.example.test. A" -> reply(q, Rcode.NOERROR, a("2.0.0.127.bl.example.test.", "127.0.0.2"));
            case "3.0.0.127.bl.example.test. A" -> reply(q, Rcode.SERVFAIL);
            default -> reply(q, Rcode.NXDOMAIN);
        });
        var dns = resolver(server);
        assertThat(dns.ipv4("2.0.0.127.bl.example.test")).isEqualTo(new AddressAnswer.Found(List.of(InetAddress.ofLiteral("127.0.0.2"))));
        assertThat(dns.ipv4("1.0.0.127.bl.example.test")).isEqualTo(new AddressAnswer.NxDomain());
        assertThat(dns.ipv4("3.0.0.127.bl.example.test")).isInstanceOf(AddressAnswer.TempFail.class);
        assertThat(server.questions).containsExactly("2.0.0.127.bl.example.test. A", "1.0.0.127.bl.example.test. A",
                "3.0.0.127.bl.example.test. A");
    }

    @Test
    void listAndPtrAnswersAreCachedForTheirTtlNegativeOnesForTheSoaMinimum() { // RFC 2308 §5
        var server = new FakeServer(q -> switch (question(q)) {
            case "2.0.0.127.bl.example.test. A" -> reply(q, Rcode.NOERROR, a("2.0.0.127.bl.example.test.", "127.0.0.2"));
            case "21.0.0.127.in-addr.arpa. PTR" -> reply(q, Rcode.NOERROR, ptr("21.0.0.127.in-addr.arpa.", 300, "mail.example.test."));
            case "22.0.0.127.in-addr.arpa. PTR" -> reply(q, Rcode.NOERROR, ptr("22.0.0.127.in-addr.arpa.", 0, "mail.example.test."));
            default -> withSoa(reply(q, Rcode.NXDOMAIN), 60);
        });
        var dns = resolver(server);
        for (int i = 0; i < 2; i++) {
            dns.ipv4("2.0.0.127.bl.example.test");
            dns.ipv4("1.0.0.127.bl.example.test");
            dns.ptr(InetAddress.ofLiteral("127.0.0.21"));
            dns.ptr(InetAddress.ofLiteral("127.0.0.22"));
        }
        assertThat(server.questions).containsExactly("2.0.0.127.bl.example.test. A", "1.0.0.127.bl.example.test. A",
                "21.0.0.127.in-addr.arpa. PTR", "22.0.0.127.in-addr.arpa. PTR", "22.0.0.127.in-addr.arpa. PTR");
    }

    @Test
    void serversAreAddressesNotNames() { // finding the DNS server by name would need DNS
        assertThatThrownBy(() -> new DnsJavaResolver(List.of(new HostPort("dns.example.test", 53)), Duration.ofSeconds(1), 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dns.example.test");
    }

    private static DnsJavaResolver resolver(Resolver server) {
        return new DnsJavaResolver(server, new Cache(DClass.IN));
    }

    private static String question(Message query) {
        return query.getQuestion().getName() + " " + Type.string(query.getQuestion().getType());
    }

    private static Message reply(Message query, int rcode, Record... answers) {
        var m = new Message(query.getHeader().getID());
        m.getHeader().setFlag(Flags.QR);
        m.getHeader().setFlag(Flags.RD);
        m.getHeader().setFlag(Flags.RA);
        m.getHeader().setRcode(rcode);
        m.addRecord(query.getQuestion(), Section.QUESTION);
        for (Record r : answers) m.addRecord(r, Section.ANSWER);
        return m;
    }

    /** Adds the zone's SOA to the authority section, as servers do with negative answers (RFC 2308 §3). */
    private static Message withSoa(Message m, long minimum) {
        Name zone = name("example.test.");
        m.addRecord(new SOARecord(zone, DClass.IN, 3600, name("ns.example.test."), name("hostmaster.example.test."),
                1, 3600, 600, 86400, minimum), Section.AUTHORITY);
        return m;
    }

    private static MXRecord mx(String owner, long ttl, int preference, String target) {
        return new MXRecord(name(owner), DClass.IN, ttl, preference, name(target));
    }

    private static ARecord a(String owner, String address) {
        return new ARecord(name(owner), DClass.IN, 300, InetAddress.ofLiteral(address));
    }

    private static PTRRecord ptr(String owner, long ttl, String target) {
        return new PTRRecord(name(owner), DClass.IN, ttl, name(target));
    }

    private static CNAMERecord cname(String owner, String target) {
        return new CNAMERecord(name(owner), DClass.IN, 300, name(target));
    }

    private static Name name(String s) {
        return Name.fromConstantString(s);
    }

    /** A DNS server in memory: answers each query with what the test's function returns, and records the questions. */
    private static final class FakeServer implements Resolver {
        private final Function<Message, Message> answer;
        final List<String> questions = new CopyOnWriteArrayList<>();

        FakeServer(Function<Message, Message> answer) {
            this.answer = answer;
        }

        @Override
        public CompletionStage<Message> sendAsync(Message query) {
            questions.add(question(query));
            try {
                return CompletableFuture.completedFuture(answer.apply(query));
            } catch (UncheckedIOException e) {
                return CompletableFuture.failedFuture(e.getCause());
            }
        }

        @Override
        public CompletionStage<Message> sendAsync(Message query, Executor executor) {
            return sendAsync(query);
        }

        // Transport settings: nothing to set on a server in memory.
        @Override public void setPort(int port) {}
        @Override public void setTCP(boolean flag) {}
        @Override public void setIgnoreTruncation(boolean flag) {}
        @Override public void setEDNS(int version, int payloadSize, int flags, List<EDNSOption> options) {}
        @Override public void setTSIGKey(TSIG key) {}
        @Override public void setTimeout(Duration timeout) {}
    }
}
