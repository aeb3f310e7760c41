package dev.facteur.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.dane.DaneLookup;
import dev.facteur.delivery.TlsPolicies.Decision;
import dev.facteur.dns.AddressAnswer;
import dev.facteur.dns.Mx;
import dev.facteur.dns.MxAnswer;
import dev.facteur.dns.Tlsa;
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
import java.io.ByteArrayInputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * DANE (RFC 7672) as delivery applies it, with DNSSEC answers from a fake and a receiver that
 * does not offer STARTTLS (the handshake itself is DaneIT's and DaneDeliveryIT's): which MX hosts
 * are tried, which only over TLS, when the mail waits, what TLS reporting hears, and that DANE
 * comes before MTA-STS.
 *
 * <p>example.test: MX 10 mx1.example.test, MX 20 mx2.example.test, both the peer.
 */
class DaneDeliveryTest {

    private static final byte[] CONTENT = "Subject: dane\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final Tlsa DANE_EE = Tlsa.parse("3 1 1 " + "ab".repeat(32));
    private static final Tlsa PKIX_EE = Tlsa.parse("1 1 1 " + "cd".repeat(32)); // unusable for SMTP (RFC 7672 §3.1.3)

    private final ManualClock clock = ManualClock.at(Instant.parse("2026-12-02T00:00:00Z"));
    private final Heard heard = new Heard();

    private FakeSecureDns signed(ScriptedPeer peer) {
        var found = new Validated.Secure<AddressAnswer>(new AddressAnswer.Found(List.of(InetAddress.ofLiteral(peer.host()))));
        return new FakeSecureDns()
                .withMx("example.test", new Validated.Secure<>(new MxAnswer.Records(List.of(new Mx(10, "mx1.example.test"), new Mx(20, "mx2.example.test")))))
                .withAddresses("mx1.example.test", found).withAddresses("mx2.example.test", found)
                .withTlsa("mx1.example.test", peer.port(), new Validated.Secure<>(List.of()))
                .withTlsa("mx2.example.test", peer.port(), new Validated.Secure<>(List.of()));
    }

    private DeliveryAgent agent(ScriptedPeer peer, TlsPolicies tls) {
        return TwoMxHosts.agent(peer, tls.withSessions(heard), clock);
    }

    private static TlsPolicies dane(FakeSecureDns dns) {
        return TlsPolicies.NONE.withDane(new DaneLookup(dns));
    }

    private static Attempt deliverOne(DeliveryAgent agent) {
        var env = new Envelope(new QueueId.Generator().next(), Instant.now(), ReversePath.of(new Mailbox("alice", "sender.test")),
                List.of(Recipient.pending(new Mailbox("bob", "example.test"), Notify.DEFAULT, null)), -1, Body.SEVEN_BIT, false, null, null,
                new ClientInfo("127.0.0.1", "c", "ESMTP", ""));
        List<Attempt> attempts = agent.deliver(env, CONTENT.length, () -> new ByteArrayInputStream(CONTENT));
        assertThat(attempts).hasSize(1);
        return attempts.getFirst();
    }

    private static ScriptedPeer plainPeer() throws Exception {
        return ScriptedPeer.start(Loopback.host(), ScriptedPeer.wellBehaved("PIPELINING")); // no STARTTLS: as if stripped on the way
    }

    @Test
    void aHostWithUsableTlsaRecordsGetsAuthenticatedTlsOrNoMailWhileAHostWithoutGetsTheUsual() throws Exception {
        try (var log = LogCapture.attach("facteur.delivery"); var peer = plainPeer()) {
            var dns = signed(peer).withTlsa("mx1.example.test", peer.port(), new Validated.Secure<>(List.of(DANE_EE)));
            try (var agent = agent(peer, dane(dns))) {
                assertThat(deliverOne(agent).outcome()).isInstanceOf(Outcome.Delivered.class);
            }
            assertThat(peer.transcript(0)).as("mx1, which does not offer STARTTLS").noneMatch(l -> l.startsWith("MAIL"));
            assertThat(log.messages()).anySatisfy(l -> assertThat(l).contains("relay=mx2.example.test", "status=sent", "policy may"));
            assertThat(heard.lines).containsExactly("example.test mx1.example.test starttls-not-supported tlsa [" + DANE_EE + "]");
        }
    }

    @Test
    void withEveryHostPublishingTlsaAReceiverWithoutStartTlsGetsNothingAndTheMailWaits() throws Exception {
        try (var peer = plainPeer()) {
            var dns = signed(peer).withTlsa("mx1.example.test", peer.port(), new Validated.Secure<>(List.of(DANE_EE)))
                    .withTlsa("mx2.example.test", peer.port(), new Validated.Secure<>(List.of(PKIX_EE)));
            Attempt a;
            try (var agent = agent(peer, dane(dns))) {
                a = deliverOne(agent);
            }
            assertThat(a.outcome()).isInstanceOf(Outcome.Deferred.class);
            assertThat(a.outcome().reply().lines().getFirst()).contains("TLS is required by the DANE TLSA records (none usable) with mx2.example.test");
            assertThat(peer.transcript(0)).noneMatch(l -> l.startsWith("MAIL"));
            assertThat(peer.transcript(1)).as("unusable records still forbid plain text").noneMatch(l -> l.startsWith("MAIL"));
        }
    }

    @Test
    void aHostWhoseTlsaLookupIsBogusIsNotTriedAtAll() throws Exception {
        try (var log = LogCapture.attach("facteur.delivery"); var peer = plainPeer()) {
            var dns = signed(peer).withTlsa("mx1.example.test", peer.port(), new Validated.Bogus<>("RRSIG does not verify"));
            try (var agent = agent(peer, dane(dns))) {
                assertThat(deliverOne(agent).outcome()).isInstanceOf(Outcome.Delivered.class);
            }
            assertThat(peer.connections()).as("mx2 only").isEqualTo(1);
            assertThat(log.messages()).anySatisfy(l -> assertThat(l).contains("MX host mx1.example.test left out", "TLSA lookup is bogus"));
            assertThat(heard.lines).containsExactly("example.test mx1.example.test dnssec-invalid tlsa []");
        }
    }

    @Test
    void aBogusMxLookupHoldsTheMailWithoutConnecting() throws Exception {
        try (var peer = plainPeer()) {
            var dns = signed(peer).withMx("example.test", new Validated.Bogus<>("no valid RRSIG"));
            Attempt a;
            try (var agent = agent(peer, dane(dns))) {
                a = deliverOne(agent);
            }
            assertThat(a.outcome()).isInstanceOf(Outcome.Deferred.class);
            assertThat(a.outcome().reply().enhanced()).isEqualTo("4.7.5");
            assertThat(a.outcome().reply().lines().getFirst()).contains("bogus");
            assertThat(peer.connections()).isZero();
            assertThat(heard.lines).containsExactly("example.test null dnssec-invalid tlsa []");
        }
    }

    @Test
    void unsignedMxRecordsLeaveTheDomainToItsMtaStsPolicy() throws Exception {
        try (var log = LogCapture.attach("facteur.delivery"); var peer = plainPeer()) {
            var dns = signed(peer).withMx("example.test", new Validated.Insecure<>(new MxAnswer.Records(List.of(new Mx(10, "mx1.example.test")))));
            var enforce = new Decision.Enforce(h -> h.equals("mx2.example.test"), OpportunisticTls.context(), "MTA-STS policy of example.test");
            try (var agent = agent(peer, dane(dns).withPublished(d -> enforce))) {
                assertThat(deliverOne(agent).outcome()).isInstanceOf(Outcome.Deferred.class);
            }
            assertThat(log.messages()).anySatisfy(l -> assertThat(l).contains("MX host mx1.example.test left out", "not in the MTA-STS policy"));
            assertThat(dns.asked()).as("no TLSA lookup for hosts found insecurely").noneMatch(q -> q.startsWith("TLSA"));
        }
    }

    @Test
    void daneComesBeforeMtaStsAndMtaStsIsNotAskedWhenEveryHostPublishesTlsa() throws Exception {
        var asked = new AtomicInteger();
        try (var peer = plainPeer()) {
            var dns = signed(peer).withTlsa("mx1.example.test", peer.port(), new Validated.Secure<>(List.of(DANE_EE)))
                    .withTlsa("mx2.example.test", peer.port(), new Validated.Secure<>(List.of(DANE_EE)));
            TlsPolicies.Published sts = d -> {
                asked.incrementAndGet();
                return new Decision.Enforce(h -> false, OpportunisticTls.context(), "MTA-STS policy of example.test");
            };
            Attempt a;
            try (var agent = agent(peer, dane(dns).withPublished(sts))) {
                a = deliverOne(agent);
            }
            assertThat(asked).hasValue(0);
            assertThat(a.outcome().reply().lines().getFirst()).as("DANE's refusal, not MTA-STS's").contains("DANE TLSA records");
            assertThat(peer.connections()).as("hosts MTA-STS would have left out are DANE's to judge").isEqualTo(2);
        }
    }

    @Test
    void daneOnlyUsesNoHostWithoutTlsaRecords() throws Exception {
        try (var peer = plainPeer()) {
            var dns = signed(peer);
            var tls = TlsPolicies.of(List.of(new TlsPolicies.Rule(List.of("example.test"), TlsPolicies.Level.DANE_ONLY, Optional.empty())))
                    .withDane(new DaneLookup(dns));
            Attempt a;
            try (var agent = agent(peer, tls)) {
                a = deliverOne(agent);
            }
            assertThat(a.outcome().reply().enhanced()).isEqualTo("4.7.5");
            assertThat(a.outcome().reply().lines().getFirst()).contains("DANE is required", "no TLSA records");
            assertThat(peer.connections()).isZero();
            assertThat(heard.lines).containsExactly("example.test mx1.example.test dane-required tlsa []",
                    "example.test mx2.example.test dane-required tlsa []");
        }
    }

    @Test
    void anOperatorsRuleOtherThanDaneKeepsDnssecOutOfIt() throws Exception {
        try (var peer = plainPeer()) {
            var dns = signed(peer).withTlsa("mx1.example.test", peer.port(), new Validated.Secure<>(List.of(DANE_EE)));
            var tls = TlsPolicies.of(List.of(new TlsPolicies.Rule(List.of("example.test"), TlsPolicies.Level.MAY, Optional.empty())))
                    .withDane(new DaneLookup(dns));
            try (var agent = agent(peer, tls)) {
                assertThat(deliverOne(agent).outcome()).isInstanceOf(Outcome.Delivered.class);
            }
            assertThat(dns.asked()).isEmpty();
        }
    }

    /** What TLS reporting hears: "domain mx result policy-type [records]" per session. */
    private static final class Heard implements TlsPolicies.Sessions {
        final List<String> lines = new CopyOnWriteArrayList<>();

        @Override
        public void succeeded(String domain, Decision policy, String mxHost) {
            lines.add(domain + " " + mxHost + " success " + describe(policy, mxHost));
        }

        @Override
        public void failed(String domain, Decision policy, String mxHost, String resultType, String receivingIp, String detail) {
            lines.add(domain + " " + mxHost + " " + resultType + " " + describe(policy, mxHost));
        }

        private static String describe(Decision policy, String mxHost) {
            return switch (policy) {
                case Decision.Dane d -> "tlsa " + (d.hosts().of(mxHost) instanceof dev.facteur.dane.DaneOutcome.Required r ? r.records() : List.of());
                case Decision.Undecided u -> "tlsa []";
                default -> policy.getClass().getSimpleName();
            };
        }
    }
}
