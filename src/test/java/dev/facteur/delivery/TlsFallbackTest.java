package dev.facteur.delivery;

import static dev.facteur.testing.ScriptedPeer.HANG_UP;
import static dev.facteur.testing.ScriptedPeer.USUAL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.dns.AddressAnswer;
import dev.facteur.dns.DnsResolver;
import dev.facteur.dns.MxAnswer;
import dev.facteur.dns.PtrAnswer;
import dev.facteur.message.Body;
import dev.facteur.message.ClientInfo;
import dev.facteur.message.Envelope;
import dev.facteur.message.Mailbox;
import dev.facteur.message.Notify;
import dev.facteur.message.QueueId;
import dev.facteur.message.Recipient;
import dev.facteur.message.ReversePath;
import dev.facteur.routing.MxRouter;
import dev.facteur.routing.Transport;
import dev.facteur.testing.FakeDnsResolver;
import dev.facteur.testing.LogCapture;
import dev.facteur.testing.Loopback;
import dev.facteur.testing.ManualClock;
import dev.facteur.testing.Patience;
import dev.facteur.testing.ScriptedPeer;
import java.io.ByteArrayInputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Opportunistic TLS (RFC 7435, RFC 3207 §4.1) when the handshake fails: the same server again
 * in plain text, said in the log, and its next messages within the hour in plain text at once;
 * never so for a relay we log in to, or any server whose TLS is required.
 */
class TlsFallbackTest {

    private static final String HOST = Loopback.host();
    private static final Duration PATIENT = Patience.EVENT;

    /** Offers STARTTLS, says 220 to it, then sends what no TLS client can read, and hangs up. */
    private static final ScriptedPeer.Script BROKEN_TLS = ScriptedPeer.smtp(c -> {
        if (c.startsWith("EHLO")) return ScriptedPeer.ehlo("PIPELINING", "8BITMIME", "STARTTLS", "AUTH PLAIN LOGIN");
        return c.equals("STARTTLS") ? "220 2.0.0 Ready to start TLS\r\nthis is no TLS record\r\n" + HANG_UP : USUAL;
    });

    private LogCapture log;

    @BeforeEach
    void listen() {
        log = LogCapture.attach("facteur.delivery");
    }

    @AfterEach
    void stopListening() {
        log.close();
    }

    @Test
    void aFailedHandshakeIsFollowedByDeliveryInPlainTextOnAFreshConnection() throws Exception {
        try (var peer = ScriptedPeer.start(HOST, BROKEN_TLS); var agent = agent(peer, Map.of())) {
            Envelope env = envelope("bob");
            List<Attempt> attempts = deliver(agent, env);

            assertThat(attempts).singleElement().satisfies(a -> assertThat(a.outcome()).isInstanceOf(Outcome.Delivered.class));
            assertThat(peer.connections()).isEqualTo(2);
            assertThat(peer.transcript(0)).contains("STARTTLS").noneMatch(l -> l.startsWith("MAIL"));
            assertThat(peer.transcript(1)).doesNotContain("STARTTLS").contains("RCPT TO:<bob@example.test>", "DATA");
            assertThat(log.messages()).anySatisfy(l -> assertThat(l).startsWith(env.id() + ": relay=" + HOST + "[")
                    .contains("TLS handshake failed", "trying again without TLS"));
            assertThat(log.messages()).anySatisfy(l -> assertThat(l).contains("to=<bob@example.test>", "tls=none", "status=sent"));
        }
    }

    @Test
    void theNextMessagesToAServerWhoseHandshakeFailedGoInPlainTextAtOnce() throws Exception { // RFC 7435 §6
        try (var peer = ScriptedPeer.start(HOST, BROKEN_TLS); var agent = agent(peer, Map.of())) {
            Envelope first = envelope("bob");
            Envelope second = envelope("carol");
            assertThat(deliver(agent, first).getFirst().outcome()).isInstanceOf(Outcome.Delivered.class);
            assertThat(deliver(agent, second).getFirst().outcome()).isInstanceOf(Outcome.Delivered.class);

            assertThat(peer.lines()).as("one handshake tried, for the first message only").containsOnlyOnce("STARTTLS");
            assertThat(peer.lines()).contains("RCPT TO:<carol@example.test>");
            assertThat(log.messages()).filteredOn(l -> l.contains("trying again without TLS")).singleElement().asString()
                    .startsWith(first.id() + ": relay=" + HOST + "[").endsWith("and without TLS for its mail in the next 60 min");
            assertThat(log.messages()).anySatisfy(l -> assertThat(l).contains("to=<carol@example.test>", "tls=none", "status=sent"));
        }
    }

    @Test
    void anHourLaterTlsIsTriedAgain() throws Exception {
        var clock = ManualClock.at(Instant.parse("2026-12-01T10:00:00Z"));
        try (var peer = ScriptedPeer.start(HOST, BROKEN_TLS); var agent = agent(peer, Map.of(), clock)) {
            deliver(agent, envelope("bob"));
            clock.advance(Duration.ofMinutes(59));
            deliver(agent, envelope("carol"));
            assertThat(peer.lines().stream().filter("STARTTLS"::equals)).hasSize(1);

            clock.advance(Duration.ofMinutes(1));
            assertThat(deliver(agent, envelope("dave")).getFirst().outcome()).isInstanceOf(Outcome.Delivered.class);
            assertThat(peer.lines().stream().filter("STARTTLS"::equals)).hasSize(2);
        }
    }

    @Test
    void requiredTlsIsTriedEvenWithAServerWhoseHandshakeFailedUnderOpportunisticTls() throws Exception {
        // one server, two names: by its address, opportunistic; as relay.test, with a login that requires TLS
        var dns = new FakeDnsResolver().withAddresses("relay.test", HOST);
        var login = Map.of("relay.test", new Credentials("user", "secret", true, null));
        try (var peer = ScriptedPeer.start(HOST, BROKEN_TLS);
                var agent = agent(dns, rcpt -> new Transport.Smtp(rcpt.domain().equals("login.test") ? "relay.test" : HOST, peer.port(), false),
                        login, Clock.systemUTC())) {
            assertThat(deliver(agent, envelope("bob")).getFirst().outcome()).isInstanceOf(Outcome.Delivered.class);
            Outcome carol = deliver(agent, envelopeFor("login.test", "carol")).getFirst().outcome();

            assertThat(carol).isInstanceOf(Outcome.Deferred.class);
            assertThat(DeliveryAgent.diagnostic(carol.reply())).contains("TLS handshake failed");
            assertThat(peer.lines().stream().filter("STARTTLS"::equals)).as("tried again: TLS is required").hasSize(2);
            assertThat(peer.transcript(peer.connections() - 1)).contains("STARTTLS").noneMatch(l -> l.startsWith("AUTH") || l.startsWith("MAIL"));
        }
    }

    @Test
    void aRelayRequiringTlsForItsLoginNeverGetsThePlainTextRetry() throws Exception {
        var login = Map.of(HOST, new Credentials("user", "secret", true, null));
        try (var peer = ScriptedPeer.start(HOST, BROKEN_TLS); var agent = agent(peer, login)) {
            List<Attempt> attempts = deliver(agent, envelope("bob"));

            Outcome bob = attempts.getFirst().outcome();
            assertThat(bob).isInstanceOf(Outcome.Deferred.class);
            assertThat(DeliveryAgent.diagnostic(bob.reply())).startsWith("421 4.4.2 Connection to " + HOST).contains("TLS handshake failed");
            assertThat(peer.connections()).isEqualTo(1);
            assertThat(peer.lines()).noneMatch(l -> l.startsWith("AUTH") || l.startsWith("MAIL"));
            assertThat(log.messages()).noneMatch(l -> l.contains("trying again without TLS"));
        }
    }

    @Test
    void aRelayWithALoginGetsNoPlainTextRetryEvenWhenItsPasswordMayGoInClear() throws Exception {
        // require_tls = false allows a password in clear where the relay offers no STARTTLS, not a retry after broken TLS
        var login = Map.of(HOST, new Credentials("user", "secret", false, null));
        try (var peer = ScriptedPeer.start(HOST, BROKEN_TLS); var agent = agent(peer, login)) {
            assertThat(deliver(agent, envelope("bob")).getFirst().outcome()).isInstanceOf(Outcome.Deferred.class);
            assertThat(peer.connections()).isEqualTo(1);
            assertThat(peer.lines()).noneMatch(l -> l.startsWith("AUTH") || l.startsWith("MAIL"));
        }
    }

    @Test
    void requiredTlsRefusedByTheServerIsNotReplacedByPlainText() throws Exception { // RFC 3207 §4.1
        var refusing = ScriptedPeer.smtp(c -> {
            if (c.startsWith("EHLO")) return ScriptedPeer.ehlo("PIPELINING", "STARTTLS", "AUTH PLAIN LOGIN");
            return c.equals("STARTTLS") ? "454 4.7.0 TLS not available due to temporary reason\r\n" : USUAL;
        });
        var login = Map.of(HOST, new Credentials("user", "secret", true, null));
        try (var peer = ScriptedPeer.start(HOST, refusing); var agent = agent(peer, login)) {
            Outcome bob = deliver(agent, envelope("bob")).getFirst().outcome();

            assertThat(bob).isInstanceOf(Outcome.Deferred.class);
            assertThat(DeliveryAgent.diagnostic(bob.reply())).isEqualTo("454 4.7.0 TLS is required before AUTH with " + HOST
                    + ", and it did not start TLS: 454 4.7.0 TLS not available due to temporary reason");
            assertThat(peer.lines()).noneMatch(l -> l.startsWith("AUTH") || l.startsWith("MAIL"));
        }
    }

    // ---- the world: one relay, [HOST]:port, reached without DNS

    private static DeliveryAgent agent(ScriptedPeer peer, Map<String, Credentials> logins) {
        return agent(peer, logins, Clock.systemUTC());
    }

    private static DeliveryAgent agent(ScriptedPeer peer, Map<String, Credentials> logins, Clock clock) {
        DnsResolver noDns = new DnsResolver() {
            @Override
            public MxAnswer mx(String domain) {
                throw new AssertionError("no DNS here: " + domain);
            }

            @Override
            public AddressAnswer addresses(String host) {
                throw new AssertionError("no DNS here: " + host);
            }

            @Override
            public AddressAnswer ipv4(String name) {
                throw new AssertionError("no DNS here: " + name);
            }

            @Override
            public PtrAnswer ptr(InetAddress address) {
                throw new AssertionError("no DNS here: " + address);
            }
        };
        var relay = new Transport.Smtp(peer.host(), peer.port(), false);
        return agent(noDns, rcpt -> relay, logins, clock);
    }

    private static DeliveryAgent agent(DnsResolver dns, DeliveryAgent.Transports transports, Map<String, Credentials> logins, Clock clock) {
        var router = new MxRouter(dns, 25, "mx.facteur.test", Set.of(), true);
        var routes = new DeliveryAgent.Routes(transports, null, null, logins);
        var settings = new ClientSettings("mx.facteur.test", PATIENT, PATIENT, PATIENT, PATIENT, PATIENT, PATIENT, OpportunisticTls.context());
        return new DeliveryAgent(router, settings, routes, 2, clock);
    }

    private static final byte[] CONTENT = "Subject: tls\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);

    private static Envelope envelope(String... locals) {
        return envelopeFor("example.test", locals);
    }

    private static Envelope envelopeFor(String domain, String... locals) {
        List<Recipient> rcpts = Arrays.stream(locals)
                .map(l -> Recipient.pending(new Mailbox(l, domain), Notify.DEFAULT, null)).toList();
        return new Envelope(new QueueId.Generator().next(), Instant.now(), ReversePath.of(new Mailbox("alice", "sender.test")), rcpts, -1,
                Body.SEVEN_BIT, false, null, null, new ClientInfo("127.0.0.1", "c", "ESMTP", ""));
    }

    private static List<Attempt> deliver(DeliveryAgent agent, Envelope env) {
        return agent.deliver(env, CONTENT.length, () -> new ByteArrayInputStream(CONTENT));
    }
}
