package dev.facteur.it.delivery;

import static dev.facteur.it.delivery.MailWorld.SENDER;
import static dev.facteur.testing.ScriptedPeer.HANG_UP;
import static dev.facteur.testing.ScriptedPeer.USUAL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.message.Envelope;
import dev.facteur.message.Recipient;
import dev.facteur.testing.ScriptedPeer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Facteur delivering to servers that misbehave in ways no real MTA imitates (a scripted peer on
 * the MX's address): the message's fate follows what the server actually said, and a server
 * cannot hold a delivery by answering slowly.
 */
class MisbehavingPeerIT {

    @TempDir
    Path dir;

    @Test
    void aServerThatAnswersDataWith250NeverGetsTheBodyAndTheMessageWaits() throws Exception { // RFC 5321 §4.3.2
        String host = MailWorld.newHost();
        try (var world = MailWorld.start(dir, MailWorld.mx("odd.test", host));
                var peer = ScriptedPeer.start(host, MailWorld.REMOTE_PORT, ScriptedPeer.smtp(c -> c.equals("DATA") ? "250 2.0.0 Ok\r\n" : USUAL))) {
            String id = world.submit(SENDER, List.of("bob@odd.test"), "never sent");

            Envelope env = world.awaitEnvelope(id, "a second attempt", e -> e.schedule().attempts() >= 2);
            Recipient bob = env.recipients().getFirst();
            assertThat(bob.state()).as("no body went out: the message is still ours").isEqualTo(Recipient.State.PENDING);
            assertThat(bob.diagnostic()).startsWith("451 4.5.0 Protocol error with mx.odd.test[").contains("DATA was answered with 250");
            assertThat(peer.lines()).contains("DATA").doesNotContain("Subject: never sent");
            world.assertNoDsn("the message waits");
        }
    }

    @Test
    void a5xxAfterTheFinalDotBouncesAtOnceThoughTheServerHangsUp() throws Exception { // RFC 5321 §7.8, Exim's "drop"
        String host = MailWorld.newHost();
        var dropping = ScriptedPeer.smtp(c -> c.equals(".") ? "554 5.7.1 Message rejected as spam\r\n" + HANG_UP : USUAL);
        try (var world = MailWorld.start(dir, MailWorld.mx("strict.test", host));
                var peer = ScriptedPeer.start(host, MailWorld.REMOTE_PORT, dropping)) {
            String id = world.submit(SENDER, List.of("bob@strict.test"), "spammy");

            ParsedDsn.Rcpt bob = world.onlyDsn(id).only();
            assertThat(bob.action()).isEqualTo("failed");
            assertThat(bob.status()).isEqualTo("5.7.1");
            assertThat(bob.diagnosticCode()).isEqualTo("smtp; 554 5.7.1 Message rejected as spam");
            assertThat(bob.remoteMta()).isEqualTo("dns; mx.strict.test");
            assertThat(peer.connections()).as("the verdict was given once: no retry").isEqualTo(1);
        }
    }

    @Test
    void aGreetingTrickledPastTheCommandTimeoutIsATimeoutAndTheMessageWaits() throws Exception { // RFC 5321 §4.5.3.2
        String host = MailWorld.newHost();
        // each byte comes well within the timeout; the greeting as a whole takes seconds
        ScriptedPeer.Script slow = s -> {
            s.trickle("220-mx.slow.test ESMTP\r\n220-please wait\r\n220 here we go\r\n", Duration.ofMillis(60));
            s.serve(c -> USUAL);
        };
        try (var world = MailWorld.start(dir, MailWorld.mx("slow.test", host), Map.of("command_timeout", "300ms"));
                var peer = ScriptedPeer.start(host, MailWorld.REMOTE_PORT, slow)) {
            String id = world.submit(SENDER, List.of("bob@slow.test"), "slowly");

            Envelope env = world.awaitEnvelope(id, "a first attempt", e -> e.schedule().attempts() >= 1);
            Recipient bob = env.recipients().getFirst();
            assertThat(bob.state()).isEqualTo(Recipient.State.PENDING);
            assertThat(bob.diagnostic()).startsWith("421 4.4.2 Connection to mx.slow.test[")
                    .endsWith("no complete reply to the greeting within 300 ms");
            assertThat(peer.lines()).as("not one command: the greeting never ended in time").isEmpty();
        }
    }
}
