package dev.facteur.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.facteur.net.HostPort;
import dev.facteur.server.Facteur;
import dev.facteur.server.ReloadOutcome;
import dev.facteur.testing.LogCapture;
import dev.facteur.testing.Loopback;
import dev.facteur.testing.Patience;
import dev.facteur.testing.SmtpSink;
import dev.facteur.testing.TestConfig;
import dev.facteur.testing.WireClient;
import dev.facteur.tls.SelfSigned;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A running Facteur reading its configuration file again ({@link Facteur#reload()}, what SIGHUP
 * and {@code facteur reload} call): what changes for the sessions and delivery attempts that
 * start after it, what a session under way keeps, and what is refused, leaving all as it was.
 */
class LiveReloadIT {

    @TempDir
    Path dir;

    private Path file;
    private Facteur facteur;
    private LogCapture log;
    private final List<WireClient> clients = new ArrayList<>();

    @BeforeEach
    void setUp() {
        file = dir.resolve("facteur.toml");
        log = LogCapture.attach("facteur");
    }

    @AfterEach
    void tearDown() throws IOException {
        for (WireClient c : clients) c.close();
        if (facteur != null) facteur.close();
        log.close();
    }

    private TestConfig config() {
        return TestConfig.in(dir.resolve("data"));
    }

    /** A fixed port on a loopback host of its own: known before the server binds it. */
    private static String freshAddress() {
        return Loopback.host() + ":2525";
    }

    private static InetSocketAddress socket(String hostPort) {
        HostPort hp = HostPort.parse(hostPort);
        return new InetSocketAddress(hp.host(), hp.port());
    }

    private ReloadOutcome reloadWith(TestConfig next) {
        next.writeTo(file);
        return facteur.reload();
    }

    private WireClient ready(InetSocketAddress at) throws IOException {
        WireClient c = WireClient.ready(at, "client.example");
        clients.add(c);
        return c;
    }

    private int lineOf(String text) throws IOException {
        return Files.readAllLines(file).indexOf(text) + 1;
    }

    @Test
    void theNextSessionsGetTheNewListenersAndLimitsWhileASessionOnARemovedListenerFinishes() throws Exception {
        String before = freshAddress(), after = freshAddress();
        facteur = config().listen(before).smtp("max_recipients = 1").startFrom(file);
        var underWay = ready(socket(before));
        underWay.expect(250, underWay.command("MAIL FROM:<alice@example.org>"));
        underWay.expect(250, underWay.command("RCPT TO:<bob@example.net>"));

        var outcome = reloadWith(config().listen(after).smtp("max_recipients = 5"));

        assertThat(outcome).isEqualTo(new ReloadOutcome.Applied(file.toString(), List.of()));
        assertThat(log.messages()).contains("reload: configuration " + file + " reloaded");
        assertThat(underWay.ask("RCPT TO:<carol@example.net>")).as("the limits it began with").startsWith("452 4.5.3");
        underWay.expect(354, underWay.command("DATA"));
        assertThat(underWay.ask("Subject: under way\r\n\r\nbody\r\n.")).startsWith("250 2.0.0 Ok: queued as ");
        assertThatThrownBy(() -> WireClient.connect(socket(before))).isInstanceOf(ConnectException.class);
        var next = ready(socket(after));
        next.expect(250, next.command("MAIL FROM:<alice@example.org>"));
        next.expect(250, next.command("RCPT TO:<bob@example.net>"));
        next.expect(250, next.command("RCPT TO:<carol@example.net>"));
        assertThat(facteur.smtpAddresses()).containsExactly(socket(after));
        assertThat(facteur.spool().messages()).hasSize(1);
    }

    @Test
    void usersAndRelayNetworksApplyToTheNextSession() throws Exception {
        String at = freshAddress();
        String local = "[local]\ndomains = [\"example.test\"]\nusers = [%s]\n";
        facteur = config().listen(at).tables("[relay]\nnetworks = []\n" + local.formatted("\"alice\"")).startFrom(file);
        var first = ready(socket(at));
        first.expect(250, first.command("MAIL FROM:<alice@example.org>"));
        assertThat(first.ask("RCPT TO:<bob@example.test>")).startsWith("550 5.1.1");
        assertThat(first.ask("RCPT TO:<someone@example.net>")).startsWith("554 5.7.1");

        reloadWith(config().listen(at).tables("[relay]\nnetworks = [\"127.0.0.0/8\"]\n" + local.formatted("\"alice\", \"bob\"")));

        var second = ready(socket(at));
        second.expect(250, second.command("MAIL FROM:<alice@example.org>"));
        assertThat(second.ask("RCPT TO:<bob@example.test>")).startsWith("250");
        assertThat(second.ask("RCPT TO:<someone@example.net>")).startsWith("250");
    }

    @Test
    void theNextStartTlsPresentsTheNewCertificateAndASessionUnderWayTheOneItBeganWith() throws Exception {
        var one = SelfSigned.generate(dir.resolve("one"), "one.example.test");
        var two = SelfSigned.generate(dir.resolve("two"), "two.example.test");
        String at = freshAddress();
        facteur = config().listen(at).tls(one).startFrom(file);
        var underWay = ready(socket(at));

        assertThat(reloadWith(config().listen(at).tls(two))).isInstanceOf(ReloadOutcome.Applied.class);

        underWay.expect(220, underWay.command("STARTTLS"));
        underWay.startTls("one.example.test");
        assertThat(underWay.peerCertificate().getSubjectX500Principal().getName()).isEqualTo("CN=one.example.test");
        var next = ready(socket(at));
        next.expect(220, next.command("STARTTLS"));
        next.startTls("two.example.test");
        assertThat(next.peerCertificate().getSubjectX500Principal().getName()).isEqualTo("CN=two.example.test");
    }

    @Test
    void aFileWithAnErrorIsRefusedWithItsLineAndTheRunningConfigurationStays() throws Exception {
        String at = freshAddress();
        facteur = config().listen(at).smtp("max_recipients = 1").startFrom(file);

        var outcome = reloadWith(config().listen(at).smtp("max_recipient = 5"));

        String problem = file + ":" + lineOf("max_recipient = 5") + ": smtp.max_recipient: unknown key";
        assertThat(outcome).isEqualTo(new ReloadOutcome.Refused(file.toString(), List.of(problem)));
        assertThat(log.messages()).contains("reload refused, the running configuration stays: " + problem);
        var session = ready(socket(at));
        session.expect(250, session.command("MAIL FROM:<alice@example.org>"));
        session.expect(250, session.command("RCPT TO:<bob@example.net>"));
        assertThat(session.ask("RCPT TO:<carol@example.net>")).as("max_recipients as before").startsWith("452 4.5.3");
    }

    @Test
    void aKeyOfAnotherCertificateIsRefusedBeforeAnythingChanges() throws Exception {
        var one = SelfSigned.generate(dir.resolve("one"), "one.example.test");
        var two = SelfSigned.generate(dir.resolve("two"), "two.example.test");
        String at = freshAddress(), added = freshAddress();
        facteur = config().listen(at).tls(one).startFrom(file);

        var outcome = reloadWith(config().listen(added).tables("[tls]\ncertificate = '%s'\nprivate_key = '%s'"
                .formatted(two.certificate(), one.privateKey())));

        int keyLine = lineOf("private_key = '" + one.privateKey() + "'");
        assertThat(outcome).isInstanceOfSatisfying(ReloadOutcome.Refused.class, r -> assertThat(r.problems()).singleElement().asString()
                .startsWith(file + ":" + keyLine + ": tls.private_key: " + one.privateKey() + ": not the key of the certificate "
                        + two.certificate()));
        assertThat(facteur.smtpAddresses()).containsExactly(socket(at));
        assertThatThrownBy(() -> WireClient.connect(socket(added))).isInstanceOf(ConnectException.class);
    }

    @Test
    void anAddressThatCannotBeBoundRefusesTheReload() throws Exception {
        String at = freshAddress(), taken = freshAddress();
        facteur = config().listen(at).smtp("max_recipients = 1").startFrom(file);
        try (var holder = new ServerSocket()) {
            holder.bind(socket(taken));

            var outcome = reloadWith(config().listen(taken).smtp("max_recipients = 5"));

            assertThat(outcome).isInstanceOfSatisfying(ReloadOutcome.Refused.class, r -> assertThat(r.problems()).singleElement()
                    .asString().startsWith(file + ": cannot listen on " + taken));
        }
        var session = ready(socket(at));
        session.expect(250, session.command("MAIL FROM:<alice@example.org>"));
        session.expect(250, session.command("RCPT TO:<bob@example.net>"));
        assertThat(session.ask("RCPT TO:<carol@example.net>")).startsWith("452 4.5.3");
    }

    @Test
    void whatNeedsARestartIsNamedAndTheRestIsApplied() throws Exception {
        String at = freshAddress();
        facteur = config().listen(at).smtp("max_recipients = 1").startFrom(file);

        var outcome = reloadWith(TestConfig.in(dir.resolve("elsewhere")).listen(at).smtp("max_recipients = 5"));

        assertThat(outcome).isInstanceOfSatisfying(ReloadOutcome.Applied.class,
                a -> assertThat(a.restartNeeded()).startsWith("data_dir"));
        assertThat(log.messages()).anySatisfy(m -> assertThat(m).startsWith("reload: configuration " + file + " reloaded: data_dir, ")
                .endsWith(" changed: restart needed; the rest applied"));
        var session = ready(socket(at));
        session.expect(250, session.command("MAIL FROM:<alice@example.org>"));
        session.expect(250, session.command("RCPT TO:<bob@example.net>"));
        session.expect(250, session.command("RCPT TO:<carol@example.net>"));
        session.expect(354, session.command("DATA"));
        assertThat(session.ask("Subject: x\r\n\r\nbody\r\n.")).startsWith("250");
        assertThat(facteur.spool().messages()).as("the spool it started with").hasSize(1);
        assertThat(facteur.config().smtp().maxRecipients()).isEqualTo(5);
    }

    @Test
    void theNextDeliveryAttemptTakesTheNewRoute() throws Exception {
        try (var first = SmtpSink.start(); var second = SmtpSink.start()) {
            TestConfig before = config().dns(new HostPort("127.0.0.1", 9))
                    .delivery(Map.of("smarthost", "[" + first.host() + "]:" + first.port(), "retry_initial", "1s"));
            facteur = before.startFrom(file);
            var smtp = facteur.smtpAddresses().getFirst();
            WireClient.submit(smtp, "<alice@example.org>", List.of("<bob@example.net>"), bytes("Subject: one\r\n\r\nfirst\r\n"));
            Patience.await("the first message reaches the first relay").until(() -> first.messages().size() == 1);

            var outcome = reloadWith(config().dns(new HostPort("127.0.0.1", 9))
                    .delivery(Map.of("smarthost", "[" + second.host() + "]:" + second.port(), "retry_initial", "1s")));

            assertThat(outcome).isInstanceOf(ReloadOutcome.Applied.class);
            WireClient.submit(smtp, "<alice@example.org>", List.of("<bob@example.net>"), bytes("Subject: two\r\n\r\nsecond\r\n"));
            Patience.await("the second message reaches the second relay").until(() -> second.messages().size() == 1);
            assertThat(second.messages().getFirst()).contains("Subject: two");
            assertThat(first.messages()).hasSize(1);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
