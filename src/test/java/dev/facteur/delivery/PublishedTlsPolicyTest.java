package dev.facteur.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.delivery.TlsPolicies.Decision;
import dev.facteur.message.Body;
import dev.facteur.message.ClientInfo;
import dev.facteur.message.Envelope;
import dev.facteur.message.Mailbox;
import dev.facteur.message.Notify;
import dev.facteur.message.QueueId;
import dev.facteur.message.Recipient;
import dev.facteur.message.ReversePath;
import dev.facteur.testing.LogCapture;
import dev.facteur.testing.Loopback;
import dev.facteur.testing.ManualClock;
import dev.facteur.testing.ScriptedPeer;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * What a domain publishes (MTA-STS, RFC 8461 §4.2) as delivery applies it: in enforce mode only
 * the MX hosts its policy names, over TLS that must verify; in testing mode all of them, the
 * others logged; and the operator's own rule for the domain over what it publishes.
 */
class PublishedTlsPolicyTest {

    private static final byte[] CONTENT = "Subject: sts\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);

    private final ManualClock clock = ManualClock.at(Instant.parse("2026-12-01T00:00:00Z"));

    /** example.test: MX 10 mx1.example.test (the peer, not in the policy), MX 20 mx2.example.test (the peer too, in the policy). */
    private DeliveryAgent agent(ScriptedPeer peer, TlsPolicies tls) {
        return TwoMxHosts.agent(peer, tls, clock);
    }

    private static Envelope envelope() {
        return new Envelope(new QueueId.Generator().next(), Instant.now(), ReversePath.of(new Mailbox("alice", "sender.test")),
                List.of(Recipient.pending(new Mailbox("bob", "example.test"), Notify.DEFAULT, null)), -1, Body.SEVEN_BIT, false, null, null,
                new ClientInfo("127.0.0.1", "c", "ESMTP", ""));
    }

    private static List<Attempt> deliver(DeliveryAgent agent) {
        return agent.deliver(envelope(), CONTENT.length, () -> new ByteArrayInputStream(CONTENT));
    }

    private static TlsPolicies publishing(Decision d) {
        return TlsPolicies.NONE.withPublished(domain -> domain.equals("example.test") ? d : Decision.NONE);
    }

    private static final java.util.function.Predicate<String> ONLY_MX2 = h -> h.equals("mx2.example.test");

    @Test
    void enforceTriesOnlyThePolicysMxHostsAndOnlyOverTls() throws Exception {
        var enforce = new Decision.Enforce(ONLY_MX2, OpportunisticTls.context(), "MTA-STS policy of example.test");
        try (var log = LogCapture.attach("facteur.delivery"); var peer = ScriptedPeer.start(Loopback.host(), ScriptedPeer.wellBehaved("PIPELINING"));
                var agent = agent(peer, publishing(enforce))) {
            assertThat(deliver(agent)).singleElement().satisfies(a -> {
                assertThat(a.outcome()).isInstanceOf(Outcome.Deferred.class);
                assertThat(a.outcome().reply().lines().getFirst()).contains("TLS is required by the MTA-STS policy of example.test");
            });
            assertThat(peer.transcript(0)).noneMatch(l -> l.startsWith("MAIL"));
            assertThat(log.messages()).anySatisfy(l -> assertThat(l).contains("MX host mx1.example.test left out",
                    "not in the MTA-STS policy of example.test"));
            assertThat(log.messages()).noneSatisfy(l -> assertThat(l).contains("relay=mx1.example.test"));
        }
    }

    @Test
    void enforceWithNoMxHostInThePolicyHoldsTheMail() throws Exception {
        var enforce = new Decision.Enforce(h -> false, OpportunisticTls.context(), "MTA-STS policy of example.test");
        try (var peer = ScriptedPeer.start(Loopback.host(), ScriptedPeer.wellBehaved("PIPELINING")); var agent = agent(peer, publishing(enforce))) {
            assertThat(deliver(agent)).singleElement().satisfies(a -> {
                assertThat(a.outcome()).isInstanceOf(Outcome.Deferred.class);
                assertThat(a.outcome().reply().enhanced()).isEqualTo("4.7.5");
            });
            assertThat(peer.connections()).isZero();
        }
    }

    @Test
    void testingTriesEveryMxHostAsUsualAndLogsThoseOutsideThePolicy() throws Exception {
        try (var log = LogCapture.attach("facteur.delivery"); var peer = ScriptedPeer.start(Loopback.host(), ScriptedPeer.wellBehaved("PIPELINING"));
                var agent = agent(peer, publishing(new Decision.Testing(ONLY_MX2, "MTA-STS policy of example.test")))) {
            assertThat(deliver(agent)).singleElement().satisfies(a -> assertThat(a.outcome()).isInstanceOf(Outcome.Delivered.class));
            assertThat(log.messages()).anySatisfy(l -> assertThat(l).contains("testing mode", "mx1.example.test"));
            assertThat(log.messages()).anySatisfy(l -> assertThat(l).contains("relay=mx1.example.test", "status=sent"));
        }
    }

    @Test
    void theOperatorsRuleOverridesWhatTheDomainPublishes() throws Exception {
        var enforce = new Decision.Enforce(h -> false, OpportunisticTls.context(), "MTA-STS policy of example.test");
        var tls = TlsPolicies.of(List.of(new TlsPolicies.Rule(List.of("example.test"), TlsPolicies.Level.MAY, Optional.empty())))
                .withPublished(domain -> enforce);
        try (var peer = ScriptedPeer.start(Loopback.host(), ScriptedPeer.wellBehaved("PIPELINING")); var agent = agent(peer, tls)) {
            assertThat(deliver(agent)).singleElement().satisfies(a -> assertThat(a.outcome()).isInstanceOf(Outcome.Delivered.class));
        }
    }

    /** What TLS reporting hears: "domain mx result" per connection. */
    private static final class Heard implements TlsPolicies.Sessions {
        final List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public void succeeded(String domain, Decision policy, String mxHost) {
            lines.add(domain + " " + mxHost + " success");
        }

        @Override
        public void failed(String domain, Decision policy, String mxHost, String resultType, String receivingIp, String detail) {
            lines.add(domain + " " + mxHost + " " + resultType);
        }
    }

    @Test
    void eachConnectionUnderAPublishedPolicyIsToldToTlsReporting() throws Exception {
        var heard = new Heard();
        var enforce = new Decision.Enforce(ONLY_MX2, OpportunisticTls.context(), "MTA-STS policy of example.test", List.of("mx: mx2.example.test"));
        try (var peer = ScriptedPeer.start(Loopback.host(), ScriptedPeer.wellBehaved("PIPELINING"));
                var agent = agent(peer, publishing(enforce).withSessions(heard))) {
            deliver(agent);
        }
        var testing = new Decision.Testing(ONLY_MX2, "MTA-STS policy of example.test", List.of("mx: mx2.example.test"));
        try (var peer = ScriptedPeer.start(Loopback.host(), ScriptedPeer.wellBehaved("PIPELINING"));
                var agent = agent(peer, publishing(testing).withSessions(heard))) {
            deliver(agent);
        }

        assertThat(heard.lines).containsExactly("example.test mx2.example.test starttls-not-supported",
                "example.test mx1.example.test starttls-not-supported");
    }

    @Test
    void handshakeFailuresAreNamedAsRfc8460NamesThem() {
        assertThat(DeliveryAgent.resultType(new SmtpClient.TlsFailure(new java.io.IOException(
                "No subject alternative DNS name matching mx.example.test found.")))).isEqualTo("certificate-host-mismatch");
        assertThat(DeliveryAgent.resultType(new SmtpClient.TlsFailure(new java.io.IOException(
                "PKIX path building failed: unable to find valid certification path to requested target")))).isEqualTo("certificate-not-trusted");
        assertThat(DeliveryAgent.resultType(new SmtpClient.TlsFailure(new java.io.IOException("certificate expired on 20250101"))))
                .isEqualTo("certificate-expired");
        assertThat(DeliveryAgent.resultType(new SmtpClient.TlsFailure(new java.io.IOException(
                "(certificate_unknown) DANE: no TLSA record matches the chain of \"CN=mx.example.test\"")))).isEqualTo("tlsa-invalid");
        assertThat(DeliveryAgent.resultType(new SmtpClient.TlsFailure(new java.io.IOException("Received fatal alert: handshake_failure"))))
                .isEqualTo("validation-failure");
    }
}
