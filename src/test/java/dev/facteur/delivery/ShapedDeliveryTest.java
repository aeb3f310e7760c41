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
import dev.facteur.shaping.Adaptive;
import dev.facteur.shaping.Shaper;
import dev.facteur.shaping.ShapingRule;
import dev.facteur.shaping.Site;
import dev.facteur.shaping.SiteLimits;
import dev.facteur.shaping.Sites;
import dev.facteur.store.ShapingStore;
import dev.facteur.testing.FakeDnsResolver;
import dev.facteur.testing.LogCapture;
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
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/**
 * Delivery under traffic shaping, against scripted servers: the site's limits on recipients per
 * message, messages per connection, connections and pace, and a server's {@code 421} turning
 * into a postponement rather than a deferral.
 */
class ShapedDeliveryTest {

    private static final Duration PATIENT = Patience.EVENT;
    private static final byte[] CONTENT = "Subject: shaped\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);

    private final ManualClock clock = ManualClock.at(Instant.parse("2026-12-01T00:00:00Z"));
    private final ShapingStore store = ShapingStore.inMemory();

    private Shaper shaper(SiteLimits limits) {
        var sites = new Sites(List.of(), limits, Optional::of);
        return new Shaper(sites, Adaptive.DEFAULTS, store, clock);
    }

    private DeliveryAgent agent(ScriptedPeer peer, Shaper shaper) {
        return agent(peer, shaper, dev.facteur.shaping.SourceAddresses.NONE);
    }

    private DeliveryAgent agent(ScriptedPeer peer, Shaper shaper, dev.facteur.shaping.SourceAddresses sources) {
        DnsResolver noDns = new FakeDnsResolver();
        var relay = new Transport.Smtp(peer.host(), peer.port(), false);
        var router = new MxRouter(noDns, 25, "mx.facteur.test", Set.of(), true);
        var routes = new DeliveryAgent.Routes(rcpt -> relay, null, null, Map.of());
        var settings = new ClientSettings("mx.facteur.test", PATIENT, PATIENT, PATIENT, PATIENT, PATIENT, PATIENT, null);
        return new DeliveryAgent(router, settings, routes, 10, clock, SenderRewrite.NONE, shaper, sources);
    }

    private static Envelope envelope(String... locals) {
        List<Recipient> rcpts = Arrays.stream(locals).map(l -> Recipient.pending(new Mailbox(l, "example.test"), Notify.DEFAULT, null)).toList();
        return new Envelope(new QueueId.Generator().next(), Instant.now(), ReversePath.of(new Mailbox("alice", "sender.test")), rcpts, -1,
                Body.SEVEN_BIT, false, null, null, new ClientInfo("127.0.0.1", "c", "ESMTP", ""));
    }

    private static List<Attempt> deliver(DeliveryAgent agent, Envelope env) {
        return agent.deliver(env, CONTENT.length, () -> new ByteArrayInputStream(CONTENT));
    }

    private static long count(List<String> lines, String prefix) {
        return lines.stream().filter(l -> l.startsWith(prefix)).count();
    }

    @Test
    void recipientsGoInTransactionsOfAtMostTheSitesRecipientsPerMessage() throws Exception {
        var limits = new SiteLimits(20, 100, 2, 0, 0, Duration.ZERO);
        try (var peer = ScriptedPeer.start(Loopback.host(), ScriptedPeer.wellBehaved("PIPELINING")); var agent = agent(peer, shaper(limits))) {
            List<Attempt> attempts = deliver(agent, envelope("a", "b", "c", "d", "e"));
            assertThat(attempts).hasSize(5).allSatisfy(a -> assertThat(a.outcome()).isInstanceOf(Outcome.Delivered.class));
            assertThat(peer.connections()).isEqualTo(1);
            assertThat(count(peer.transcript(0), "MAIL FROM")).isEqualTo(3);
            assertThat(count(peer.transcript(0), "RCPT TO")).isEqualTo(5);
        }
    }

    @Test
    void aConnectionIsClosedAfterTheSitesMessagesPerConnection() throws Exception {
        var limits = new SiteLimits(20, 2, 50, 0, 0, Duration.ZERO);
        try (var peer = ScriptedPeer.start(Loopback.host(), ScriptedPeer.wellBehaved("PIPELINING")); var agent = agent(peer, shaper(limits))) {
            for (int i = 0; i < 5; i++) deliver(agent, envelope("m" + i));
            assertThat(peer.connections()).isEqualTo(3); // 2 + 2 + 1
            assertThat(peer.transcript(0)).contains("QUIT");
        }
    }

    @Test
    void whenTheMinutesBudgetIsSpentTheNextMessageIsPostponedWithoutTouchingTheServer() throws Exception {
        var limits = new SiteLimits(1, 100, 50, 1, 0, Duration.ZERO); // one a minute, a burst of one
        try (var peer = ScriptedPeer.start(Loopback.host(), ScriptedPeer.wellBehaved("PIPELINING")); var agent = agent(peer, shaper(limits))) {
            assertThat(deliver(agent, envelope("first"))).singleElement()
                    .satisfies(a -> assertThat(a.outcome()).isInstanceOf(Outcome.Delivered.class));
            List<Attempt> second = deliver(agent, envelope("second"));
            assertThat(second).singleElement().satisfies(a -> {
                assertThat(a.outcome()).isInstanceOfSatisfying(Outcome.Postponed.class,
                        p -> assertThat(p.until()).isEqualTo(clock.instant().plus(Duration.ofMinutes(1))));
                assertThat(a.remoteMta()).isNull();
            });
            assertThat(count(peer.lines(), "MAIL FROM")).isEqualTo(1);
            clock.advance(Duration.ofMinutes(1));
            assertThat(deliver(agent, envelope("second"))).singleElement()
                    .satisfies(a -> assertThat(a.outcome()).isInstanceOf(Outcome.Delivered.class));
        }
    }

    @Test
    void aServerThatSays421IsHeardAsSlowDownAndItsMailIsPostponedNotDeferred() throws Exception {
        var busy = ScriptedPeer.smtp(c -> c.startsWith("MAIL") ? "421 4.7.28 Too many messages from you, slow down\r\n" + ScriptedPeer.HANG_UP
                : c.startsWith("EHLO") ? ScriptedPeer.ehlo("PIPELINING") : ScriptedPeer.USUAL);
        Shaper shaper = shaper(SiteLimits.DEFAULTS);
        try (var log = LogCapture.attach("facteur.shaping"); var peer = ScriptedPeer.start(Loopback.host(), busy);
                var agent = agent(peer, shaper)) {
            List<Attempt> attempts = deliver(agent, envelope("a", "b"));
            assertThat(attempts).hasSize(2).allSatisfy(a -> {
                assertThat(a.outcome()).isInstanceOfSatisfying(Outcome.Postponed.class, p -> {
                    assertThat(p.until()).isAfter(clock.instant());
                    assertThat(p.reply().code()).isEqualTo(421);
                });
            });
            Site site = shaper.site(peer.host(), List.of(peer.host()));
            assertThat(shaper.state(site).perMinute()).isFinite();
            assertThat(shaper.state(site).connections()).isEqualTo(10);
            assertThat(log.messages()).anySatisfy(l -> assertThat(l).startsWith("site " + peer.host() + ": rate ")
                    .contains("connections 20 -> 10", "421 4.7.28"));
        }
    }

    @Test
    void aSiteWithAllItsConnectionsInUseGetsNoMoreAndTheMessageWaits() throws Exception {
        var limits = new SiteLimits(1, 100, 50, 0, 0, Duration.ZERO);
        var inData = new CountDownLatch(1);
        var release = new CountDownLatch(1);
        ScriptedPeer.Script slow = s -> {
            s.send("220 peer.test ESMTP\r\n");
            for (String c; (c = s.readLine()) != null; ) {
                if (c.startsWith("EHLO")) s.send(ScriptedPeer.ehlo());
                else if (c.equals("DATA")) s.send("354 go on\r\n");
                else if (c.equals(".")) {
                    inData.countDown();
                    release.await();
                    s.send("250 2.0.0 ok\r\n");
                } else if (c.startsWith("QUIT")) {
                    s.send("221 bye\r\n");
                    return;
                } else if (c.startsWith("MAIL") || c.startsWith("RCPT") || c.startsWith("RSET")) s.send("250 2.0.0 ok\r\n");
            }
        };
        try (var peer = ScriptedPeer.start(Loopback.host(), slow); var agent = agent(peer, shaper(limits));
                var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<List<Attempt>> first = pool.submit(() -> deliver(agent, envelope("first")));
            inData.await();
            List<Attempt> second = deliver(agent, envelope("second"));
            assertThat(second).singleElement().satisfies(a -> assertThat(a.outcome()).isInstanceOf(Outcome.Postponed.class));
            release.countDown();
            assertThat(first.get()).singleElement().satisfies(a -> assertThat(a.outcome()).isInstanceOf(Outcome.Delivered.class));
            assertThat(peer.connections()).isEqualTo(1);
        }
    }

    private static dev.facteur.shaping.Source source(String pool, String ip, String helo) throws Exception {
        return new dev.facteur.shaping.Source(pool, java.net.InetAddress.getByName(ip), helo, null);
    }

    @Test
    void mailLeavesFromItsSendersPoolAddressAndSaysThatAddressesNameInEhlo() throws Exception {
        String bulk = Loopback.host();
        var from = new java.util.concurrent.CopyOnWriteArrayList<String>();
        ScriptedPeer.Script recording = s -> {
            from.add(s.socket().getInetAddress().getHostAddress());
            ScriptedPeer.wellBehaved("PIPELINING").run(s);
        };
        var sources = new dev.facteur.shaping.SourceAddresses(List.of(source("bulk", bulk, "out1.sender.test")),
                List.of(new dev.facteur.shaping.Pool("bulk", List.of("sender.test"), null)), dev.facteur.shaping.WarmUp.DEFAULTS, store, clock);
        try (var log = LogCapture.attach("facteur.delivery"); var peer = ScriptedPeer.start(Loopback.host(), recording);
                var agent = agent(peer, shaper(SiteLimits.DEFAULTS), sources)) {
            assertThat(deliver(agent, envelope("a"))).singleElement()
                    .satisfies(a -> assertThat(a.outcome()).isInstanceOf(Outcome.Delivered.class));
            assertThat(from).containsExactly(bulk);
            assertThat(peer.transcript(0)).contains("EHLO out1.sender.test");
            assertThat(log.messages()).as("the attempt's line names the address it left from")
                    .anySatisfy(l -> assertThat(l).contains("relay=" + peer.host(), " from " + bulk + ",", "status=sent"));
        }
    }

    @Test
    void aDestinationThatRefusesOnePoolGetsTheMailFromItsFallback() throws Exception {
        String blocked = Loopback.host();
        String clean = Loopback.host();
        ScriptedPeer.Script picky = s -> {
            if (s.socket().getInetAddress().getHostAddress().equals(blocked)) {
                s.send("554 5.7.1 Service unavailable; client host blocked\r\n");
                return;
            }
            ScriptedPeer.wellBehaved("PIPELINING").run(s);
        };
        var sources = new dev.facteur.shaping.SourceAddresses(
                List.of(source("bulk", blocked, "bulk.sender.test"), source("default", clean, "mail.sender.test")),
                List.of(new dev.facteur.shaping.Pool("bulk", List.of("sender.test"), "default")), dev.facteur.shaping.WarmUp.DEFAULTS, store,
                clock);
        try (var log = LogCapture.attach("facteur.delivery"); var peer = ScriptedPeer.start(Loopback.host(), picky);
                var agent = agent(peer, shaper(SiteLimits.DEFAULTS), sources)) {
            assertThat(deliver(agent, envelope("a"))).singleElement()
                    .satisfies(a -> assertThat(a.outcome()).isInstanceOf(Outcome.Delivered.class));
            assertThat(peer.connections()).isEqualTo(2);
            assertThat(peer.transcript(1)).contains("EHLO mail.sender.test");
            assertThat(log.messages()).anySatisfy(l -> assertThat(l).contains("refused to talk to us", "trying again from pool default"));
        }
    }
}
