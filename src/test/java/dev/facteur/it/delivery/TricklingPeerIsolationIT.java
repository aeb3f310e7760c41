package dev.facteur.it.delivery;

import static dev.facteur.it.delivery.MailWorld.REMOTE_PORT;
import static dev.facteur.it.delivery.MailWorld.SENDER;
import static dev.facteur.it.delivery.MailWorld.SENDER_DOMAIN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.message.Recipient;
import dev.facteur.server.Facteur;
import dev.facteur.spool.StoredMessage;
import dev.facteur.testing.Dnsmasq;
import dev.facteur.testing.ExternalProcess;
import dev.facteur.testing.Patience;
import dev.facteur.testing.ScriptedPeer;
import dev.facteur.testing.SmtpSink;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A peer that talks, but too slowly to finish, holds its destination's connections and nothing
 * else: its greeting is a multi-line 220 that never ends, one byte a second, so a read timeout
 * alone (a byte comes well within any) would never fire. Only the whole-reply deadline of RFC 5321
 * §4.5.3.2 (the greeting's, here {@code command_timeout}) ends such a session.
 */
class TricklingPeerIsolationIT {

    private static final int MAX_PARALLEL = 8;
    // at most the start of a destination's adaptive limit (5), so that the limit is this from the first delivery
    private static final int MAX_PER_DESTINATION = 4;
    private static final int QUEUED = 300;
    private static final Duration TRICKLE_GAP = Duration.ofSeconds(1);

    @TempDir
    Path dir;

    /** Connections to the trickling peer that the client has not closed, and those it has. */
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger endedByClient = new AtomicInteger();

    /** A greeting that never ends: 220- lines, each byte a second apart, until the client hangs up. */
    private ScriptedPeer.Script endlessGreeting() {
        return s -> {
            open.incrementAndGet();
            try {
                while (true) s.trickle("220-trickle.test is still greeting you\r\n", TRICKLE_GAP);
            } catch (IOException clientClosed) {
                endedByClient.incrementAndGet();
            } finally {
                open.decrementAndGet();
            }
        };
    }

    @Test
    void aGoodDomainsMailIsDeliveredWhileATricklingPeerHoldsItsConnections() throws Exception {
        // an hour for each reply: the trickling sessions stay open for the whole test
        var hour = Map.of("connect_timeout", "1h", "command_timeout", "1h", "data_timeout", "1h");
        World w = new World();
        try (var dns = Dnsmasq.start(w.zone);
                var bounces = SmtpSink.start(w.bounceHost, REMOTE_PORT);
                var good = SmtpSink.start(w.goodHost, REMOTE_PORT);
                var facteur = w.facteur(dns, hour);
                var trickler = ScriptedPeer.start(w.trickleHost, REMOTE_PORT, endlessGreeting())) {
            var smtp = w.queueForTrickler(facteur);
            Patience.await("the trickling peer has every connection it may have")
                    .until(open::get, n -> n >= MAX_PER_DESTINATION);

            MailWorld.submit(facteur, SENDER, List.of("bob@good.test"), "good mail");
            Patience.await("the good domain's mail arrives").until(() -> good.messages().size() == 1);

            assertThat(open.get()).as("the trickling sessions are still reading the greeting").isEqualTo(MAX_PER_DESTINATION);
            assertThat(endedByClient.get()).isZero();
            assertThat(trickler.connections()).as("max_per_destination").isEqualTo(MAX_PER_DESTINATION);
            assertThat(bounces.messages()).isEmpty();
        }
    }

    @Test
    void aTricklingGreetingEndsAtItsDeadlineThoughEveryByteComesInTime() throws Exception { // RFC 5321 §4.5.3.2.1
        // 3 s for the whole greeting; a byte comes every second, so only the whole-reply deadline can end it
        var threeSeconds = Map.of("connect_timeout", "1h", "command_timeout", "3s", "data_timeout", "1h");
        World w = new World();
        try (var dns = Dnsmasq.start(w.zone);
                var bounces = SmtpSink.start(w.bounceHost, REMOTE_PORT);
                var good = SmtpSink.start(w.goodHost, REMOTE_PORT);
                var facteur = w.facteur(dns, threeSeconds);
                var trickler = ScriptedPeer.start(w.trickleHost, REMOTE_PORT, endlessGreeting())) {
            var smtp = w.queueForTrickler(facteur);
            MailWorld.submit(facteur, SENDER, List.of("bob@good.test"), "good mail");
            Patience.await("the good domain's mail arrives").until(() -> good.messages().size() == 1);

            Patience.await("the client ends the first sessions, mid-greeting")
                    .until(endedByClient::get, n -> n >= MAX_PER_DESTINATION);
            for (int c = 0; c < MAX_PER_DESTINATION; c++)
                assertThat(trickler.transcript(c)).as("no command before a complete greeting").isEmpty();
            List<Recipient> waiting = facteur.spool().messages().stream().map(StoredMessage::envelope)
                    .filter(e -> !e.sender().isNull()).flatMap(e -> e.recipients().stream())
                    .filter(r -> r.address().domain().equals("trickle.test")).toList();
            assertThat(waiting).as("deferred, not lost nor bounced").hasSize(QUEUED).allMatch(Recipient::isPending);
            Patience.await("a deferred recipient says why").until(() -> facteur.spool().messages().stream()
                    .flatMap(m -> m.envelope().recipients().stream()).anyMatch(r -> r.diagnostic() != null));
            assertThat(facteur.spool().messages().stream().flatMap(m -> m.envelope().recipients().stream())
                    .map(Recipient::diagnostic).filter(d -> d != null).findFirst().orElseThrow())
                    .contains("greeting").contains("3 s");
            assertThat(bounces.messages()).isEmpty();
        }
    }

    /** A sender's MX (for DSNs), a good domain and the trickling one, each on a host of its own. */
    private final class World {
        final String bounceHost = MailWorld.newHost();
        final String trickleHost = MailWorld.newHost();
        final String goodHost = MailWorld.newHost();
        final List<String> zone = new ArrayList<>(List.of("local=/test/"));

        World() {
            zone.addAll(MailWorld.mx(SENDER_DOMAIN, bounceHost));
            zone.addAll(MailWorld.mx("trickle.test", trickleHost));
            zone.addAll(MailWorld.mx("good.test", goodHost));
        }

        Facteur facteur(Dnsmasq dns, Map<String, String> timeouts) throws Exception {
            return MailWorld.config(dir.resolve("data"), "[local]\ndomains = [\"facteur.test\"]\n", dns.hostPort()).delivery(timeouts)
                    .delivery("max_parallel = " + MAX_PARALLEL + "\nmax_per_destination = " + MAX_PER_DESTINATION).start();
        }

        /** Hands Facteur {@value #QUEUED} messages for the trickling domain; returns its SMTP address. */
        InetSocketAddress queueForTrickler(Facteur facteur) throws Exception {
            var smtp = facteur.smtpAddresses().getFirst();
            var fed = ExternalProcess.run(List.of("/usr/sbin/smtp-source", "-s", "5", "-m", String.valueOf(QUEUED), "-f", SENDER,
                    "-t", "bob@trickle.test", smtp.getHostString() + ":" + smtp.getPort()));
            assertThat(fed.exitCode()).as("%d messages for the trickling peer are queued: %s", QUEUED, fed).isZero();
            assertThat(fed.stderr()).isEmpty();
            return smtp;
        }
    }
}
