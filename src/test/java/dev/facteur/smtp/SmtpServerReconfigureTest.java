package dev.facteur.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.facteur.message.QueueId;
import dev.facteur.net.HostPort;
import dev.facteur.testing.Loopback;
import dev.facteur.testing.WireClient;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A reload as the SMTP server lives it: the sessions admitted after it get the new settings and
 * gate, listen addresses come and go, and a session under way is never touched.
 */
class SmtpServerReconfigureTest {

    private final SmtpSessionTest.MemorySink sink = new SmtpSessionTest.MemorySink();
    private final List<WireClient> clients = new ArrayList<>();
    private SmtpServer server;

    private static SmtpSettings settings(String hostname, int maxRecipients, HostPort... listen) {
        return new SmtpSettings(hostname, List.of(listen), 10_000, maxRecipients, 10, 100, 100, Duration.ofMinutes(5),
                Duration.ofMinutes(5), SmtpSessionTest.EXAMPLE_TEST, null, SmtpSettings.Defences.DEFAULT);
    }

    private void start(SmtpSettings settings) throws IOException {
        server = new SmtpServer(settings, sink, new QueueId.Generator(), Clock.systemUTC());
        server.start();
    }

    /** A fixed port on a loopback host of this JVM's own: free, and known before it is bound. */
    private static HostPort freshAddress() {
        return new HostPort(Loopback.host(), 2525);
    }

    private static InetSocketAddress socket(HostPort hp) {
        return new InetSocketAddress(hp.host(), hp.port());
    }

    private WireClient client(InetSocketAddress at) throws IOException {
        WireClient c = WireClient.connect(at);
        clients.add(c);
        return c;
    }

    @AfterEach
    void stop() throws IOException {
        for (WireClient c : clients) c.close();
        if (server != null) server.shutdown(Duration.ofSeconds(1));
    }

    @Test
    void aSessionUnderWayKeepsItsSettingsAndTheNextSessionGetsTheNewOnes() throws IOException {
        HostPort at = freshAddress();
        start(settings("before.example.test", 1, at));
        var early = client(socket(at));
        assertThat(early.reply()).startsWith("220 before.example.test");
        early.ask("EHLO client.example");
        assertThat(early.ask("MAIL FROM:<a@example.org>")).startsWith("250");
        assertThat(early.ask("RCPT TO:<b@example.test>")).startsWith("250");

        server.reconfigure(settings("after.example.test", 5, at), Gate.OPEN).commit();

        assertThat(early.ask("RCPT TO:<c@example.test>")).as("max_recipients as when the session began")
                .startsWith("452 4.5.3");
        assertThat(early.ask("DATA")).startsWith("354");
        assertThat(early.ask("Subject: before\r\n\r\nbody\r\n.")).startsWith("250 2.0.0 Ok: queued as ");
        assertThat(early.ask("QUIT")).startsWith("221 2.0.0 before.example.test");
        var late = client(socket(at));
        assertThat(late.reply()).startsWith("220 after.example.test");
        late.ask("EHLO client.example");
        late.ask("MAIL FROM:<a@example.org>");
        assertThat(late.ask("RCPT TO:<b@example.test>")).startsWith("250");
        assertThat(late.ask("RCPT TO:<c@example.test>")).startsWith("250");
        assertThat(sink.stored).hasSize(1);
    }

    @Test
    void anAddedAddressListensAndARemovedOneTakesNoOneNewWhileItsSessionFinishes() throws IOException {
        HostPort old = freshAddress(), added = freshAddress();
        start(settings("mx.example.test", 10, old));
        var session = client(socket(old));
        assertThat(session.reply()).startsWith("220");
        session.ask("EHLO client.example");
        assertThat(session.ask("MAIL FROM:<a@example.org>")).startsWith("250");

        server.reconfigure(settings("mx.example.test", 10, added), Gate.OPEN).commit();

        assertThat(server.boundAddresses()).containsExactly(socket(added));
        assertThat(client(socket(added)).reply()).startsWith("220 mx.example.test");
        assertThatThrownBy(() -> WireClient.connect(socket(old))).isInstanceOf(ConnectException.class);
        assertThat(session.ask("RCPT TO:<b@example.test>")).startsWith("250");
        assertThat(session.ask("DATA")).startsWith("354");
        assertThat(session.ask("Subject: under way\r\n\r\nbody\r\n.")).startsWith("250 2.0.0 Ok: queued as ");
        assertThat(session.ask("QUIT")).startsWith("221");
        assertThat(sink.stored).hasSize(1);
    }

    @Test
    void anAddressThatCannotBeBoundRefusesTheWholeChange() throws IOException {
        HostPort at = freshAddress(), wouldBeNew = freshAddress(), taken = freshAddress();
        start(settings("before.example.test", 10, at));
        try (var holder = new ServerSocket()) {
            holder.bind(socket(taken));

            assertThatThrownBy(() -> server.reconfigure(settings("after.example.test", 10, at, wouldBeNew, taken), Gate.OPEN))
                    .isInstanceOf(IOException.class).hasMessageStartingWith("cannot listen on " + taken);
        }

        assertThat(server.boundAddresses()).containsExactly(socket(at));
        assertThatThrownBy(() -> WireClient.connect(socket(wouldBeNew))).as("what was bound for the change is closed again")
                .isInstanceOf(ConnectException.class);
        assertThat(client(socket(at)).reply()).startsWith("220 before.example.test");
    }

    @Test
    void anAbandonedChangeLeavesEverythingAsItWas() throws IOException {
        HostPort at = freshAddress(), wouldBeNew = freshAddress();
        start(settings("before.example.test", 10, at));

        server.reconfigure(settings("after.example.test", 10, wouldBeNew), Gate.OPEN).abandon();

        assertThat(server.boundAddresses()).containsExactly(socket(at));
        assertThatThrownBy(() -> WireClient.connect(socket(wouldBeNew))).isInstanceOf(ConnectException.class);
        assertThat(client(socket(at)).reply()).startsWith("220 before.example.test");
    }

    @Test
    void theSameAddressWrittenAgainKeepsItsSocket() throws IOException { // port 0: a new bind would change the port
        start(settings("before.example.test", 10, new HostPort("127.0.0.1", 0)));
        var bound = server.boundAddresses();

        server.reconfigure(settings("after.example.test", 10, new HostPort("127.0.0.1", 0)), Gate.OPEN).commit();

        assertThat(server.boundAddresses()).isEqualTo(bound);
        assertThat(client(bound.getFirst()).reply()).startsWith("220 after.example.test");
    }
}
