package dev.facteur.policy.check;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.dns.DnsJavaResolver;
import dev.facteur.message.Mailbox;
import dev.facteur.message.QueueId;
import dev.facteur.message.ReversePath;
import dev.facteur.policy.Check;
import dev.facteur.policy.OptOut;
import dev.facteur.policy.Pipeline;
import dev.facteur.policy.check.ReverseDnsCheck.Require;
import dev.facteur.smtp.Gate;
import dev.facteur.smtp.Reply;
import dev.facteur.testing.BlackHole;
import dev.facteur.testing.Dnsmasq;
import dev.facteur.testing.LogCapture;
import dev.facteur.testing.Loopback;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The DNS checks against a real DNS server: a private dnsmasq serving reverse DNS for a few
 * clients (one whose name resolves back, one whose name does not, one without a name), a
 * blocklist, an allow list, a domain list, and two zones whose server never answers (a list, and
 * one client's reverse zone), through a pipeline as the SMTP server asks it.
 */
class DnsChecksIT {

    private static final Mailbox BOB = new Mailbox("bob", "example.test");
    private static final Duration PATIENT = Duration.ofSeconds(3); // a local dnsmasq answers in milliseconds, even on a busy machine

    private static BlackHole hole;
    private static Dnsmasq dnsmasq;
    private static DnsJavaResolver dns;
    /** Clients, each a host of this run's own (127.N.x.y). */
    private static String confirmed, unconfirmed, nameless, ptrSilent, listed, allowed, errorCoded;

    @BeforeAll
    static void startDns() throws Exception {
        hole = new BlackHole();
        confirmed = Loopback.host();
        unconfirmed = Loopback.host();
        nameless = Loopback.host();
        ptrSilent = Loopback.host();
        listed = Loopback.host();
        allowed = Loopback.host();
        errorCoded = Loopback.host();
        String silentServer = hole.hostPort().host() + "#" + hole.hostPort().port();
        dnsmasq = Dnsmasq.start(List.of(
                "local=/test/",                 // unknown names are NXDOMAIN...
                "local=/127.in-addr.arpa/",     // ...and so are unknown reverse names
                "local-ttl=60",
                "host-record=confirmed.example.test," + confirmed,          // its A record, and the PTR back
                "ptr-record=" + reversed(unconfirmed) + ".in-addr.arpa,liar.example.test",
                "host-record=liar.example.test,127.0.0.99",                 // not the client's address
                "server=/" + reversed(ptrSilent) + ".in-addr.arpa/" + silentServer,
                "host-record=" + reversed(listed) + ".bl.test,127.0.0.2",
                "host-record=" + reversed(allowed) + ".bl.test,127.0.0.2",
                "host-record=" + reversed(allowed) + ".wl.test,127.0.10.1",
                "host-record=" + reversed(errorCoded) + ".bl.test,127.255.255.254",
                "host-record=" + ReversedAddress.of(InetAddress.ofLiteral("2001:db8::1234")) + ".bl.test,127.0.0.2",
                "host-record=spam.example.test.dbl.test,127.0.1.2",
                "server=/slow.test/" + silentServer));
        dns = new DnsJavaResolver(List.of(dnsmasq.hostPort()), Duration.ofSeconds(2), 0);
    }

    @AfterAll
    static void stopDns() {
        if (dnsmasq != null) dnsmasq.close();
        if (hole != null) hole.close();
    }

    private static String reversed(String address) {
        return ReversedAddress.of(InetAddress.ofLiteral(address));
    }

    private static Pipeline pipeline(Check... checks) {
        return new Pipeline(List.of(checks), a -> false, OptOut.DEFAULT, new ReverseDns(dns));
    }

    /** The whole dialogue up to one RCPT: what the client is told there (a refusal decided earlier is given then). */
    private static Reply rcpt(Gate.Session s, String helo, String sender) {
        Reply r = s.connect();
        if (r == null) r = s.helo(helo);
        if (r == null) {
            int at = sender.lastIndexOf('@');
            r = s.mail(new QueueId.Generator().next(),
                    at < 0 ? ReversePath.NULL : ReversePath.of(new Mailbox(sender.substring(0, at), sender.substring(at + 1))), -1);
        }
        return r != null ? r : s.rcpt(BOB);
    }

    private static Reply rcpt(Pipeline p, String client) {
        return rcpt(p.open(InetAddress.ofLiteral(client)), "mta.example.org", "alice@example.org");
    }

    private static DnsListSettings lists(Action action, OnDnsFailure onFailure, String... lists) {
        return new DnsListSettings(List.of(lists).stream().map(DnsList::parse).toList(), 1, 0, action, onFailure, PATIENT, Map.of());
    }

    @Test
    void aClientWhoseNameResolvesBackPassesAndItsNameIsConfirmed() { // RFC 8601 §3
        var s = pipeline(new ReverseDnsCheck(ReverseDnsCheck.Settings.DEFAULT)).open(InetAddress.ofLiteral(confirmed));
        assertThat(rcpt(s, "confirmed.example.test", "alice@example.org")).isNull();
        assertThat(s.clientName()).as("for the Received: header").isEqualTo("confirmed.example.test");
    }

    @Test
    void aNameThatDoesNotResolveBackIsRefusedOnlyWhenConfirmationIsRequired() { // reject_unknown_client_hostname
        assertThat(rcpt(pipeline(new ReverseDnsCheck(ReverseDnsCheck.Settings.DEFAULT)), unconfirmed)).isEqualTo(new Reply(550, "5.7.25",
                "Reverse DNS validation failed: the reverse DNS name of client [" + unconfirmed + "] does not resolve back to it"));
        assertThat(rcpt(pipeline(new ReverseDnsCheck(new ReverseDnsCheck.Settings(Require.NAME, Action.REJECT, OnDnsFailure.DEFER))),
                unconfirmed)).as("any name will do").isNull();
    }

    @Test
    void aClientWithoutANameIsRefusedWith550Of5725() { // RFC 7372 §3.2
        for (Require level : Require.values()) {
            assertThat(rcpt(pipeline(new ReverseDnsCheck(new ReverseDnsCheck.Settings(level, Action.REJECT, OnDnsFailure.DEFER))), nameless))
                    .as(level.name()).isEqualTo(new Reply(550, "5.7.25",
                            "Reverse DNS validation failed: client [" + nameless + "] has no reverse DNS name"));
        }
    }

    @Test
    void aReverseZoneWhoseServerNeverAnswersDefersWith451() {
        assertThat(rcpt(pipeline(new ReverseDnsCheck(ReverseDnsCheck.Settings.DEFAULT)), ptrSilent)).isEqualTo(new Reply(451, "4.7.25",
                "Temporary failure in reverse DNS of client [" + ptrSilent + "]; try again later"));
    }

    @Test
    void aListedClientIsRefusedNamingTheList() {
        var p = pipeline(new DnsListCheck(dns, lists(Action.REJECT, OnDnsFailure.IGNORE, "bl.test", "wl.test=127.0.[0..255].[1..255]*-2")));
        assertThat(rcpt(p, listed)).isEqualTo(new Reply(554, "5.7.1", "Service unavailable; client [" + listed + "] blocked using bl.test"));
        assertThat(rcpt(p, confirmed)).as("listed nowhere").isNull();
        assertThat(rcpt(p, allowed)).as("1 - 2: the allow list wins").isNull();
        assertThat(rcpt(p.open(InetAddress.ofLiteral("2001:db8::1234")), "mta.example.org", "alice@example.org"))
                .as("IPv6, in nibbles").isEqualTo(new Reply(554, "5.7.1", "Service unavailable; client [2001:db8:0:0:0:0:0:1234] blocked using bl.test"));
    }

    @Test
    void aListedClientCanStillWriteToPostmaster() { // RFC 5321 §4.5.1, through the pipeline's opt-out
        var s = pipeline(new DnsListCheck(dns, DnsListSettings.of(List.of("bl.test")))).open(InetAddress.ofLiteral(listed));
        assertThat(rcpt(s, "mta.example.org", "alice@example.org")).isNotNull();
        assertThat(s.rcpt(new Mailbox("postmaster", "example.test"))).isNull();
    }

    @Test
    void theResolverErrorCodeIsNoListingAndIsLogged() { // Spamhaus's 127.255.255.254: queried through a public resolver
        try (var log = LogCapture.attach("facteur.policy")) {
            assertThat(rcpt(pipeline(new DnsListCheck(dns, DnsListSettings.of(List.of("bl.test")))), errorCoded)).isNull();
            assertThat(log.warnings()).singleElement().asString().contains("bl.test answered 127.255.255.254")
                    .contains("queries through a public or open resolver are refused");
        }
    }

    @Test
    void aListWhoseServerNeverAnswersIsIgnoredWithALogLineOrDefersWhenConfigured() {
        try (var log = LogCapture.attach("facteur.policy")) {
            var ignoring = pipeline(new DnsListCheck(dns, lists(Action.REJECT, OnDnsFailure.IGNORE, "slow.test", "bl.test")));
            assertThat(rcpt(ignoring, confirmed)).isNull();
            assertThat(log.warnings()).singleElement().asString().contains("DNS list slow.test failed for client [" + confirmed + "]")
                    .contains("taken as not listed");
            assertThat(rcpt(ignoring, listed)).as("the lists that answered still count").isNotNull();
        }
        var deferring = pipeline(new DnsListCheck(dns, lists(Action.REJECT, OnDnsFailure.DEFER, "slow.test", "bl.test")));
        assertThat(rcpt(deferring, confirmed)).isEqualTo(new Reply(451, "4.7.1",
                "Temporary failure looking up client [" + confirmed + "] in slow.test; try again later"));
    }

    @Test
    void aListedSenderDomainIsRefusedAndBouncesAreNotLookedUp() { // RFC 5782 §3
        var p = pipeline(new RhsblCheck(dns, DnsListSettings.of(List.of("dbl.test"))));
        assertThat(rcpt(p.open(InetAddress.ofLiteral(confirmed)), "mta.example.org", "joe@spam.example.test")).isEqualTo(new Reply(554, "5.7.1",
                "Service unavailable; sender domain spam.example.test blocked using dbl.test"));
        assertThat(rcpt(p.open(InetAddress.ofLiteral(confirmed)), "mta.example.org", "joe@example.test")).isNull();
        assertThat(rcpt(p.open(InetAddress.ofLiteral(confirmed)), "mta.example.org", "")).isNull();
    }

    @Test
    void allTheChecksTogetherLetAnHonestClientThroughAndTagWhatTheyAreToldTo() {
        var helo = new HeloCheck(HeloCheck.Settings.defaults(List.of("mx.facteur.test"), List.of()));
        var p = pipeline(new ReverseDnsCheck(new ReverseDnsCheck.Settings(Require.CONFIRMED_NAME, Action.TAG, OnDnsFailure.DEFER)),
                new DnsListCheck(dns, lists(Action.TAG, OnDnsFailure.IGNORE, "bl.test")), helo,
                new RhsblCheck(dns, DnsListSettings.of(List.of("dbl.test"))));
        var honest = p.open(InetAddress.ofLiteral(confirmed));
        assertThat(rcpt(honest, "confirmed.example.test", "alice@example.org")).isNull();
        assertThat(honest.headers()).isEmpty();

        var tagged = p.open(InetAddress.ofLiteral(listed));
        assertThat(rcpt(tagged, "[" + listed + "]", "alice@example.org")).isNull();
        assertThat(tagged.headers()).containsExactly(
                "X-Facteur-Reverse-DNS: permerror (client [" + listed + "] has no reverse DNS name)\r\n",
                "X-Facteur-DNSBL: client [" + listed + "] listed in bl.test (score 1, threshold 1)\r\n");

        assertThat(rcpt(p.open(InetAddress.ofLiteral(confirmed)), "localhost", "alice@example.org")).isEqualTo(new Reply(504, "5.5.2",
                "<localhost>: Helo command rejected: need fully-qualified hostname"));
    }
}
