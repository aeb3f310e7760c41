package dev.facteur.doctor;

import static dev.facteur.doctor.World.lines;
import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.config.Config;
import dev.facteur.server.Facteur;
import dev.facteur.testing.Loopback;
import dev.facteur.testing.ScriptedPeer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Not an open relay: by the configuration's recipient rules for a client outside every network,
 * and by a real transaction from a public address, which never gets as far as DATA.
 */
class RelayChecksTest {

    private ScriptedPeer peer;
    private final String client = Loopback.host();

    @AfterEach
    void stop() throws Exception {
        if (peer != null) peer.close();
    }

    private static List<Check> check(Config config) throws Exception {
        var dns = World.dns();
        return new RelayChecks(Facteur.addressResolver(config), new RelayProbe(Duration.ofSeconds(30))).check(World.server(config, dns));
    }

    /** A server at a loopback host of its own, and the doctor sending from another (outside 127.0.0.1/32, the relay network). */
    private Config realTest(String rcptReply) throws Exception {
        peer = ScriptedPeer.start(Loopback.host(), ScriptedPeer.smtp(command -> command.startsWith("RCPT") ? rcptReply : ScriptedPeer.USUAL));
        return World.config("[smtp]\nlisten = [\"" + peer.host() + ":" + peer.port() + "\"]\n[relay]\nnetworks = [\"127.0.0.1/32\"]\n"
                + "[doctor]\npublic_addresses = [\"" + client + "\"]\n");
    }

    @Test
    void theDefaultRelayNetworksAreClosedToOutsiders() throws Exception {
        var checks = check(World.config());
        assertThat(lines(checks).getFirst()).isEqualTo("pass: The configuration does not relay for clients outside [relay] networks");
        assertThat(checks.getFirst().details()).isEqualTo("RCPT TO:<relay-test@example.net> from 192.0.2.1: 554 5.7.1 Relay access denied");
    }

    @Test
    void relayNetworksThatHoldEveryoneAreAnOpenRelay() throws Exception {
        var checks = check(World.config("[relay]\nnetworks = [\"0.0.0.0/0\"]\n"));
        assertThat(lines(checks).getFirst()).isEqualTo("fail: Open relay: the configuration lets any client send mail anywhere");
        assertThat(checks.getFirst().details()).startsWith("a client at 192.0.2.1 (in [relay] networks 0.0.0.0/0) may send to relay-test@example.net");
        assertThat(checks.getFirst().fix()).singleElement().asString().startsWith("[relay] networks = [\"127.0.0.0/8\", \"::1/128\"]");
        assertThat(check(World.config("[relay]\nnetworks = [\"::/0\"]\n")).getFirst().details()).startsWith("a client at 2001:db8::1 (in [relay] networks ");
    }

    @Test
    void aServerThatRefusesRcptPassesAndNeverSeesData() throws Exception {
        var checks = check(realTest("554 5.7.1 Relay access denied\r\n"));
        assertThat(lines(checks).getLast()).isEqualTo("pass: The running server refuses to relay (" + client + " to " + peer.host() + ":" + peer.port() + ")");
        assertThat(checks.getLast().details()).isEqualTo("554 5.7.1 Relay access denied");
        assertThat(peer.transcript(0)).containsExactly("EHLO [" + client + "]", "MAIL FROM:<>", "RCPT TO:<relay-test@example.net>", "RSET", "QUIT");
    }

    @Test
    void aServerThatAcceptsRcptIsAnOpenRelayAndStillGetsNoData() throws Exception {
        var checks = check(realTest("250 2.1.5 Ok\r\n"));
        assertThat(lines(checks).getLast()).startsWith("fail: Open relay: the running server accepted RCPT TO:<relay-test@example.net> (127.");
        assertThat(peer.lines()).doesNotContain("DATA").contains("RSET", "QUIT");
    }

    @Test
    void aTemporaryRefusalProvesNothing() throws Exception { // greylisting
        var checks = check(realTest("450 4.7.1 Greylisted, try again later\r\n"));
        assertThat(lines(checks).getLast()).endsWith(": relaying was not tried").startsWith("warn: ");
    }

    @Test
    void noServerListeningIsAWarning() throws Exception {
        var config = World.config("[smtp]\nlisten = [\"" + Loopback.host() + ":2525\"]\n[relay]\nnetworks = [\"127.0.0.1/32\"]\n"
                + "[doctor]\npublic_addresses = [\"" + Loopback.host() + "\"]\n");
        assertThat(lines(check(config)).getLast()).startsWith("warn: Open relay test by a real SMTP transaction (127.").endsWith(" could not connect");
    }

    @Test
    void theRealTestNeedsAPublicAddressOfThisMachineOutsideTheRelayNetworks() throws Exception {
        assertThat(lines(check(World.config("")))).last()
                .isEqualTo("skipped: Open relay test by a real SMTP transaction: no public address to send from");
        assertThat(lines(check(World.config()))).as("192.0.2.10 is no address of this machine").last()
                .isEqualTo("skipped: Open relay test by a real SMTP transaction: no public address is an address of this machine");
        String trusted = Loopback.host();
        assertThat(lines(check(World.config("[doctor]\npublic_addresses = [\"" + trusted + "\"]\n")))).last()
                .isEqualTo("skipped: Open relay test by a real SMTP transaction from " + trusted + " would prove nothing");
    }
}
