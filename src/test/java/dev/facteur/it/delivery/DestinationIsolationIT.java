package dev.facteur.it.delivery;

import static dev.facteur.it.delivery.MailWorld.REMOTE_PORT;
import static dev.facteur.it.delivery.MailWorld.SENDER;
import static dev.facteur.it.delivery.MailWorld.SENDER_DOMAIN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.testing.Dnsmasq;
import dev.facteur.testing.ExternalProcess;
import dev.facteur.testing.Patience;
import dev.facteur.testing.SmtpSink;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One destination never holds up the others (Postfix's qmgr keeps a queue per destination for
 * this): mail waiting for a destination that is at its connection limit takes none of the
 * {@code max_parallel} delivery slots, so the other domains' mail goes on.
 */
class DestinationIsolationIT {

    private static final int MAX_PARALLEL = 8;
    // at most the start of a destination's adaptive limit (5), so that the limit is this from the first delivery
    private static final int MAX_PER_DESTINATION = 4;

    @TempDir
    Path dir;

    @Test
    void aGoodDomainsMailIsDeliveredWhileAPeerThatNeverAnswersHoldsItsConnections() throws Exception {
        String bounceHost = MailWorld.newHost();
        String holeHost = MailWorld.newHost();
        String goodHost = MailWorld.newHost();
        List<String> zone = new ArrayList<>(List.of("local=/test/"));
        zone.addAll(MailWorld.mx(SENDER_DOMAIN, bounceHost));
        zone.addAll(MailWorld.mx("hole.test", holeHost));
        zone.addAll(MailWorld.mx("good.test", goodHost));
        // an hour to wait for each reply: the black hole's sessions stay open for the whole test
        var hour = Map.of("connect_timeout", "1h", "command_timeout", "1h", "data_timeout", "1h");
        // closed in reverse: the black hole first, so that its sessions end (deferred) rather than wait out their hour
        try (var dns = Dnsmasq.start(zone);
                var bounces = SmtpSink.start(bounceHost, REMOTE_PORT);
                var good = SmtpSink.start(goodHost, REMOTE_PORT);
                var facteur = MailWorld.config(dir.resolve("data"), "[local]\ndomains = [\"facteur.test\"]\n", dns.hostPort())
                        .delivery(hour).delivery("max_parallel = " + MAX_PARALLEL + "\nmax_per_destination = " + MAX_PER_DESTINATION).start();
                var hole = BlackHole.start(holeHost, REMOTE_PORT)) {
            var smtp = facteur.smtpAddresses().getFirst();
            var fed = ExternalProcess.run(List.of("/usr/sbin/smtp-source", "-s", "5", "-m", "300", "-f", SENDER,
                    "-t", "bob@hole.test", smtp.getHostString() + ":" + smtp.getPort()));
            assertThat(fed.exitCode()).as("300 messages for the black hole are queued: %s", fed).isZero();
            assertThat(fed.stderr()).isEmpty();
            Patience.await("the black hole has every connection it may have").until(hole::accepted, n -> n >= MAX_PER_DESTINATION);

            MailWorld.submit(facteur, SENDER, List.of("bob@good.test"), "good mail");
            Patience.await("the good domain's mail arrives").until(() -> good.messages().size() == 1);

            assertThat(hole.open()).as("the black hole's sessions are still waiting for a greeting").isEqualTo(MAX_PER_DESTINATION);
            assertThat(hole.accepted()).as("max_per_destination").isEqualTo(MAX_PER_DESTINATION);
            assertThat(bounces.messages()).isEmpty();
        }
    }
}
