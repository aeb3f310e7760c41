package dev.facteur.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.dns.DnsResolver;
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
import dev.facteur.smtp.Reply;
import dev.facteur.testing.FakeDnsResolver;
import dev.facteur.testing.Loopback;
import dev.facteur.testing.ManualClock;
import dev.facteur.testing.Patience;
import dev.facteur.testing.ScriptedPeer;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A sender rewrite that gives each recipient a return path of its own (VERP) gets a transaction
 * per recipient, each with its own MAIL FROM; the bounce domain's mail goes to the report reader.
 */
class PerRecipientReturnPathTest {

    private static final Duration PATIENT = Patience.EVENT;
    private static final byte[] CONTENT = "Subject: verp\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);

    /** Our own mail goes with bounce+LOCAL@bounces.test, the rest as it came. */
    private static final SenderRewrite VERP = new SenderRewrite() {
        @Override
        public boolean perRecipient(Envelope envelope) {
            return !envelope.sender().isNull();
        }

        @Override
        public ReversePath mailFrom(Envelope envelope, Mailbox recipient) {
            return perRecipient(envelope) ? ReversePath.of(new Mailbox("bounce+" + recipient.localPart(), "bounces.test")) : envelope.sender();
        }
    };

    private final ManualClock clock = ManualClock.at(Instant.parse("2026-12-01T00:00:00Z"));

    private DeliveryAgent agent(ScriptedPeer peer, DeliveryAgent.Mailboxes reports) {
        DnsResolver noDns = new FakeDnsResolver();
        var relay = new Transport.Smtp(peer.host(), peer.port(), false);
        var router = new MxRouter(noDns, 25, "mx.facteur.test", Set.of(), true);
        var routes = new DeliveryAgent.Routes(rcpt -> rcpt.domainKey().equals("bounces.test") ? new Transport.Reports() : relay, null, null,
                Map.of(), reports, TlsPolicies.NONE);
        var settings = new ClientSettings("mx.facteur.test", PATIENT, PATIENT, PATIENT, PATIENT, PATIENT, PATIENT, null);
        return new DeliveryAgent(router, settings, routes, 10, clock, VERP);
    }

    private static Envelope envelope(ReversePath sender, String... addresses) {
        List<Recipient> rcpts = Arrays.stream(addresses)
                .map(a -> Recipient.pending(new Mailbox(a.substring(0, a.indexOf('@')), a.substring(a.indexOf('@') + 1)), Notify.DEFAULT, null))
                .toList();
        return new Envelope(new QueueId.Generator().next(), Instant.now(), sender, rcpts, -1, Body.SEVEN_BIT, false, null, null,
                new ClientInfo("127.0.0.1", "c", "ESMTP", ""));
    }

    private static List<Attempt> deliver(DeliveryAgent agent, Envelope env) {
        return agent.deliver(env, CONTENT.length, () -> new ByteArrayInputStream(CONTENT));
    }

    private static List<String> lines(List<String> transcript, String prefix) {
        return transcript.stream().filter(l -> l.startsWith(prefix)).toList();
    }

    @Test
    void eachRecipientGoesInATransactionOfItsOwnWithItsOwnReturnPathOnOneConnection() throws Exception {
        try (var peer = ScriptedPeer.start(Loopback.host(), ScriptedPeer.wellBehaved("PIPELINING")); var agent = agent(peer, null)) {
            List<Attempt> attempts = deliver(agent, envelope(ReversePath.of(new Mailbox("app", "news.test")), "bob@example.test",
                    "carol@example.test", "dave@example.test"));

            assertThat(attempts).hasSize(3).allSatisfy(a -> assertThat(a.outcome()).isInstanceOf(Outcome.Delivered.class));
            assertThat(attempts).extracting(Attempt::recipientIndex).containsExactly(0, 1, 2);
            assertThat(peer.connections()).as("the connection is kept between the transactions").isEqualTo(1);
            assertThat(lines(peer.transcript(0), "MAIL FROM")).hasSize(3).satisfiesExactly(
                    l -> assertThat(l).startsWith("MAIL FROM:<bounce+bob@bounces.test>"),
                    l -> assertThat(l).startsWith("MAIL FROM:<bounce+carol@bounces.test>"),
                    l -> assertThat(l).startsWith("MAIL FROM:<bounce+dave@bounces.test>"));
            assertThat(lines(peer.transcript(0), "RCPT TO")).containsExactly("RCPT TO:<bob@example.test>", "RCPT TO:<carol@example.test>",
                    "RCPT TO:<dave@example.test>");
        }
    }

    @Test
    void mailThatKeepsItsSenderGoesInOneTransaction() throws Exception {
        try (var peer = ScriptedPeer.start(Loopback.host(), ScriptedPeer.wellBehaved("PIPELINING")); var agent = agent(peer, null)) {
            deliver(agent, envelope(ReversePath.NULL, "bob@example.test", "carol@example.test"));

            assertThat(lines(peer.transcript(0), "MAIL FROM")).containsExactly("MAIL FROM:<>");
            assertThat(lines(peer.transcript(0), "RCPT TO")).hasSize(2);
        }
    }

    @Test
    void theBounceDomainsMailGoesToTheReportReaderOneRecipientAtATime() throws Exception {
        List<String> read = new ArrayList<>();
        DeliveryAgent.Mailboxes reader = (env, rcpt, content) -> {
            read.add(rcpt.toString());
            return new Reply(250, "2.0.0", "Bounce read: hard");
        };
        try (var peer = ScriptedPeer.start(Loopback.host(), ScriptedPeer.wellBehaved("PIPELINING")); var agent = agent(peer, reader)) {
            List<Attempt> attempts = deliver(agent, envelope(ReversePath.NULL, "bounce+bob@bounces.test", "bounce+carol@bounces.test"));

            assertThat(read).containsExactly("bounce+bob@bounces.test", "bounce+carol@bounces.test");
            assertThat(attempts).allSatisfy(a -> assertThat(a.outcome()).isInstanceOf(Outcome.Delivered.class));
            assertThat(peer.connections()).isZero();
        }
    }

    @Test
    void withoutAReportReaderTheBounceDomainsMailWaits() throws Exception {
        try (var peer = ScriptedPeer.start(Loopback.host(), ScriptedPeer.wellBehaved("PIPELINING")); var agent = agent(peer, null)) {
            assertThat(deliver(agent, envelope(ReversePath.NULL, "bounce+bob@bounces.test"))).singleElement()
                    .satisfies(a -> assertThat(a.outcome()).isInstanceOf(Outcome.Deferred.class));
        }
    }
}
