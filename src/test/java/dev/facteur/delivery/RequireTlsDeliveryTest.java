package dev.facteur.delivery;

import static dev.facteur.testing.ScriptedPeer.USUAL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.dane.DaneLookup;
import dev.facteur.delivery.TlsPolicies.Decision;
import dev.facteur.dns.AddressAnswer;
import dev.facteur.dns.Mx;
import dev.facteur.dns.MxAnswer;
import dev.facteur.dns.Validated;
import dev.facteur.message.Body;
import dev.facteur.message.ClientInfo;
import dev.facteur.message.Envelope;
import dev.facteur.message.Mailbox;
import dev.facteur.message.Notify;
import dev.facteur.message.QueueId;
import dev.facteur.message.Recipient;
import dev.facteur.message.ReversePath;
import dev.facteur.testing.FakeSecureDns;
import dev.facteur.testing.LogCapture;
import dev.facteur.testing.Loopback;
import dev.facteur.testing.ManualClock;
import dev.facteur.testing.ScriptedPeer;
import dev.facteur.testing.TestCa;
import java.io.ByteArrayInputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.time.Instant;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;

/**
 * REQUIRETLS (RFC 8689 §4.2.1) as delivery applies it: a message sent with it goes only to an MX
 * host found through DNSSEC or named by an MTA-STS policy, over TLS whose certificate is
 * verified, to a server that offers REQUIRETLS; each MX host is tried, and when none will do the
 * message fails with 5.7.10 or 5.7.30 (a DSN follows). And {@code TLS-Required: No} (§5), which
 * sets the recipient domain's policies aside.
 *
 * <p>example.test: MX 10 mx1.example.test, MX 20 mx2.example.test, both the peer.
 */
class RequireTlsDeliveryTest {

    private static final TestCa CA = TestCa.root("Receiver CA");
    private static final SSLContext PEER_TLS = CA.server("mx1.example.test", "mx2.example.test").serverContext();
    private static final byte[] CONTENT = "Subject: payslip\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);

    private final ManualClock clock = ManualClock.at(Instant.parse("2026-12-02T00:00:00Z"));

    /** A server that offers STARTTLS in clear and, under TLS, {@code keywords}. */
    private static ScriptedPeer startTlsPeer(String... keywords) throws Exception {
        ScriptedPeer.Answers answers = c -> c.equals("STARTTLS") ? "220 2.0.0 Ready to start TLS\r\n" : USUAL;
        return ScriptedPeer.start(Loopback.host(), s -> ScriptedPeer.smtp(PEER_TLS, c -> !c.startsWith("EHLO") ? answers.to(c)
                : s.secured() ? ScriptedPeer.ehlo(keywords) : ScriptedPeer.ehlo("PIPELINING", "STARTTLS")).run(s));
    }

    private static SSLContext trusting(TestCa ca) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setCertificateEntry("ca", ca.certificate());
        var tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        SSLContext c = SSLContext.getInstance("TLS");
        c.init(null, tmf.getTrustManagers(), null);
        return c;
    }

    /** The MX records signed (DNSSEC), no TLSA records: DANE does not apply, but the MX hosts are proven. */
    private static TlsPolicies signedMx(ScriptedPeer peer) {
        var found = new Validated.Secure<AddressAnswer>(new AddressAnswer.Found(List.of(InetAddress.ofLiteral(peer.host()))));
        var dns = new FakeSecureDns()
                .withMx("example.test", new Validated.Secure<>(new MxAnswer.Records(List.of(new Mx(10, "mx1.example.test"), new Mx(20, "mx2.example.test")))))
                .withAddresses("mx1.example.test", found).withAddresses("mx2.example.test", found)
                .withTlsa("mx1.example.test", peer.port(), new Validated.Secure<>(List.of()))
                .withTlsa("mx2.example.test", peer.port(), new Validated.Secure<>(List.of()));
        return TlsPolicies.NONE.withDane(new DaneLookup(dns));
    }

    private DeliveryAgent agent(ScriptedPeer peer, TlsPolicies tls) {
        return TwoMxHosts.agent(peer, tls, clock);
    }

    private static Attempt deliver(DeliveryAgent agent, ReversePath sender, boolean requireTls, byte[] content) {
        var env = new Envelope(new QueueId.Generator().next(), Instant.now(), sender,
                List.of(Recipient.pending(new Mailbox("bob", "example.test"), Notify.DEFAULT, null)), -1, Body.SEVEN_BIT, false, null, null,
                new ClientInfo("127.0.0.1", "c", "ESMTPS", "TLSv1.3")).withRequireTls(requireTls);
        List<Attempt> attempts = agent.deliver(env, content.length, () -> new ByteArrayInputStream(content));
        assertThat(attempts).hasSize(1);
        return attempts.getFirst();
    }

    private static final ReversePath ALICE = ReversePath.of(new Mailbox("alice", "sender.test"));

    @Test
    void itGoesOverVerifiedTlsToAServerThatOffersRequireTlsAndSaysSoInMail() throws Exception {
        try (var log = LogCapture.attach("facteur.delivery"); var peer = startTlsPeer("PIPELINING", "REQUIRETLS")) {
            Attempt a;
            try (var agent = agent(peer, signedMx(peer).withVerifying(trusting(CA)))) {
                a = deliver(agent, ALICE, true, CONTENT);
            }
            assertThat(a.outcome()).isInstanceOf(Outcome.Delivered.class);
            assertThat(peer.transcript(0)).contains("MAIL FROM:<alice@sender.test> REQUIRETLS");
            assertThat(log.messages()).anySatisfy(l -> assertThat(l).contains("(policy requiretls, certificate verified)", "status=sent"));
        }
    }

    @Test
    void whenNoMxHostOffersRequireTlsTheMessageFailsWith5730AfterTryingEach() throws Exception {
        try (var log = LogCapture.attach("facteur.delivery"); var peer = startTlsPeer("PIPELINING")) {
            Attempt a;
            try (var agent = agent(peer, signedMx(peer).withVerifying(trusting(CA)))) {
                a = deliver(agent, ALICE, true, CONTENT);
            }
            assertThat(a.outcome()).isInstanceOf(Outcome.Failed.class);
            assertThat(a.outcome().reply().enhanced()).isEqualTo("5.7.30");
            for (String mx : List.of("mx1", "mx2")) // one connection: both names are the same server, and it stays good for other mail
                assertThat(log.messages()).anySatisfy(l -> assertThat(l).contains("relay=" + mx + ".example.test", "5.7.30"));
            assertThat(peer.transcript(0)).noneMatch(l -> l.startsWith("MAIL"));
        }
    }

    @Test
    void aCertificateThatDoesNotVerifyIsNoProtectedSessionAndFailsWith5710() throws Exception {
        try (var peer = startTlsPeer("PIPELINING", "REQUIRETLS")) {
            Attempt a;
            try (var agent = agent(peer, signedMx(peer))) { // the JDK's authorities: the receiver's CA is not one
                a = deliver(agent, ALICE, true, CONTENT);
            }
            assertThat(a.outcome()).isInstanceOf(Outcome.Failed.class);
            assertThat(a.outcome().reply().code()).isEqualTo(550);
            assertThat(a.outcome().reply().enhanced()).isEqualTo("5.7.10");
            for (int i = 0; i < peer.connections(); i++) assertThat(peer.transcript(i)).noneMatch(l -> l.startsWith("MAIL"));
        }
    }

    @Test
    void mxHostsNeitherSignedNorNamedByMtaStsAreNotTriedAtAll() throws Exception {
        try (var peer = startTlsPeer("PIPELINING", "REQUIRETLS")) {
            Attempt a;
            try (var agent = agent(peer, TlsPolicies.NONE.withVerifying(trusting(CA)))) {
                a = deliver(agent, ALICE, true, CONTENT);
            }
            assertThat(a.outcome()).isInstanceOf(Outcome.Failed.class);
            assertThat(a.outcome().reply().enhanced()).isEqualTo("5.7.10");
            assertThat(a.outcome().reply().lines().getFirst()).contains("not signed (DNSSEC) and it has no MTA-STS policy");
            assertThat(peer.connections()).isZero();
        }
    }

    @Test
    void anMtaStsPolicyNamingTheHostIsEnoughWithoutDnssec() throws Exception {
        try (var peer = startTlsPeer("PIPELINING", "REQUIRETLS")) {
            SSLContext ca = trusting(CA);
            var testing = new Decision.Testing(h -> h.equals("mx2.example.test"), "MTA-STS policy of example.test");
            Attempt a;
            try (var agent = agent(peer, TlsPolicies.NONE.withPublished(d -> testing).withVerifying(ca))) {
                a = deliver(agent, ALICE, true, CONTENT);
            }
            assertThat(a.outcome()).isInstanceOf(Outcome.Delivered.class);
            assertThat(peer.connections()).as("mx2 only: the policy does not name mx1").isEqualTo(1);
        }
    }

    @Test
    void aBounceIsNeverHeldBackForRequireTls() throws Exception {
        try (var peer = startTlsPeer("PIPELINING")) {
            Attempt a;
            try (var agent = agent(peer, TlsPolicies.NONE)) {
                a = deliver(agent, ReversePath.NULL, true, CONTENT);
            }
            assertThat(a.outcome()).isInstanceOf(Outcome.Delivered.class);
        }
    }

    @Test
    void tlsRequiredNoSetsTheRecipientDomainsPoliciesAside() throws Exception {
        var enforce = new Decision.Enforce(h -> false, OpportunisticTls.context(), "MTA-STS policy of example.test");
        byte[] saysNo = ("TLS-Required: No\r\n" + new String(CONTENT, StandardCharsets.US_ASCII)).getBytes(StandardCharsets.US_ASCII);
        try (var log = LogCapture.attach("facteur.delivery"); var peer = ScriptedPeer.start(Loopback.host(), ScriptedPeer.wellBehaved("PIPELINING"));
                var agent = agent(peer, TlsPolicies.NONE.withPublished(d -> enforce))) {
            assertThat(deliver(agent, ALICE, false, CONTENT).outcome().reply().enhanced()).as("without the field").isEqualTo("4.7.5");
            assertThat(deliver(agent, ALICE, false, saysNo).outcome()).isInstanceOf(Outcome.Delivered.class);
            assertThat(deliver(agent, ALICE, true, saysNo).outcome()).as("REQUIRETLS overrides the field")
                    .isNotInstanceOf(Outcome.Delivered.class);
            assertThat(log.messages()).anySatisfy(l -> assertThat(l).contains("TLS-Required: No"));
        }
    }
}
