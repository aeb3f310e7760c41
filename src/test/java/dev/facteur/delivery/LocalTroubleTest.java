package dev.facteur.delivery;

import static dev.facteur.testing.ScriptedPeer.HANG_UP;
import static dev.facteur.testing.ScriptedPeer.USUAL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.dns.Mx;
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
import dev.facteur.testing.Loopback;
import dev.facteur.testing.Patience;
import dev.facteur.testing.ScriptedPeer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whose verdict a recipient carries when the conversation breaks: a server that never answered
 * a recipient gave no verdict on it (no Remote-MTA, over TCP and over a unix socket alike), and
 * trouble of our own (the queued message cannot be read) is deferred at once: no other server
 * would mend it, so the MX list is not walked for it.
 */
class LocalTroubleTest {

    private static final String MX1 = Loopback.host();
    private static final String MX2 = Loopback.host();
    private static final Duration PATIENT = Patience.EVENT;
    private static final ClientSettings SETTINGS =
            new ClientSettings("mx.facteur.test", PATIENT, PATIENT, PATIENT, PATIENT, PATIENT, PATIENT, null);

    @TempDir
    Path dir;

    /** Content whose reading fails half-way, as a spool file on a failing disk. */
    private static final OutgoingMessage.Content FAILING_DISK = () -> new SequenceInputStream(
            new ByteArrayInputStream("Subject: half\r\n\r\nthe first half\r\n".getBytes(StandardCharsets.US_ASCII)),
            new InputStream() {
                @Override
                public int read() throws IOException {
                    throw new IOException("Input/output error");
                }
            });

    @Test
    void aQueuedMessageThatCannotBeReadIsDeferredWithoutTryingTheNextMx() throws Exception {
        try (var mx1 = ScriptedPeer.start(MX1, ScriptedPeer.wellBehaved("PIPELINING", "8BITMIME"));
                var mx2 = ScriptedPeer.start(MX2, mx1.port(), ScriptedPeer.wellBehaved("PIPELINING", "8BITMIME"));
                var agent = twoMx(mx1.port())) {
            Attempt bob = agent.deliver(envelope(Body.SEVEN_BIT, "bob"), 100, FAILING_DISK).getFirst();

            assertThat(bob.outcome()).isInstanceOf(Outcome.Deferred.class);
            assertThat(DeliveryAgent.diagnostic(bob.outcome().reply())).isEqualTo("451 4.3.0 Cannot read the queued message: Input/output error");
            assertThat(bob.remoteMta()).as("our trouble, not the server's").isNull();
            assertThat(mx1.lines()).as("no end of data: the server drops what it got").contains("DATA").doesNotContain(".");
            assertThat(mx2.connections()).as("a local problem is not the next MX's").isZero();
        }
    }

    @Test
    void aMessageThatCannotBeReadToMakeIt7BitIsDeferredWithoutTryingTheNextMx() throws Exception { // RFC 6152 §3
        try (var mx1 = ScriptedPeer.start(MX1, ScriptedPeer.wellBehaved("PIPELINING"));
                var mx2 = ScriptedPeer.start(MX2, mx1.port(), ScriptedPeer.wellBehaved("PIPELINING"));
                var agent = twoMx(mx1.port())) {
            Attempt bob = agent.deliver(envelope(Body.EIGHT_BIT_MIME, "bob"), 100, FAILING_DISK).getFirst();

            assertThat(bob.outcome()).isInstanceOf(Outcome.Deferred.class);
            assertThat(bob.outcome().reply().enhanced()).isEqualTo("4.3.0");
            assertThat(bob.remoteMta()).isNull();
            assertThat(mx1.lines()).noneMatch(l -> l.startsWith("MAIL"));
            assertThat(mx2.connections()).isZero();
        }
    }

    @Test
    void overAUnixSocketARecipientTheLmtpServerNeverAnsweredHasNoRemoteMta() throws Exception { // RFC 2033 §4.2, RFC 3464 §2.3.5
        // Dovecot-like, until it answers the first recipient after the data and goes away
        var answers = ScriptedPeer.smtp(c -> {
            if (c.startsWith("LHLO")) return ScriptedPeer.ehlo("PIPELINING", "8BITMIME");
            return c.equals(".") ? "250 2.0.0 <alice@example.test> Saved\r\n" + HANG_UP : USUAL;
        });
        Path socket = dir.resolve("lmtp");
        try (var lmtp = ScriptedPeer.startUnix(socket, answers);
                var agent = agent(new FakeDnsResolver(), 25, rcpt -> new Transport.Lmtp(null, socket))) {
            byte[] content = "Subject: local\r\n\r\nhello\r\n".getBytes(StandardCharsets.US_ASCII);
            List<Attempt> attempts = agent.deliver(envelope(Body.SEVEN_BIT, "alice", "bob"), content.length, () -> new ByteArrayInputStream(content));

            assertThat(attempts).hasSize(2);
            assertThat(attempts.get(0).outcome()).isInstanceOf(Outcome.Delivered.class);
            assertThat(attempts.get(0).remoteMta()).isEqualTo("localhost");
            assertThat(attempts.get(1).outcome()).isInstanceOf(Outcome.Deferred.class);
            assertThat(attempts.get(1).outcome().reply().enhanced()).isEqualTo("4.4.2");
            assertThat(attempts.get(1).remoteMta()).as("our verdict: the server said nothing of bob").isNull();
        }
    }

    /** example.test has two MX hosts, mx1 and mx2, in that order, on {@code port}. */
    private static DeliveryAgent twoMx(int port) {
        var dns = new FakeDnsResolver()
                .withMx("example.test", new Mx(10, "mx1.example.test"), new Mx(20, "mx2.example.test"))
                .withAddresses("mx1.example.test", MX1)
                .withAddresses("mx2.example.test", MX2);
        return agent(dns, port, rcpt -> null);
    }

    private static DeliveryAgent agent(FakeDnsResolver dns, int port, DeliveryAgent.Transports transports) {
        var router = new MxRouter(dns, port, "mx.facteur.test", Set.of(), true);
        return new DeliveryAgent(router, SETTINGS, new DeliveryAgent.Routes(transports, null, null, Map.of()), 2, Clock.systemUTC());
    }

    private static Envelope envelope(Body body, String... locals) {
        List<Recipient> rcpts = Arrays.stream(locals)
                .map(l -> Recipient.pending(new Mailbox(l, "example.test"), Notify.DEFAULT, null)).toList();
        return new Envelope(new QueueId.Generator().next(), Instant.now(), ReversePath.of(new Mailbox("alice", "sender.test")), rcpts, -1,
                body, false, null, null, new ClientInfo("127.0.0.1", "c", "ESMTP", ""));
    }
}
