package dev.facteur.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.facteur.message.QueueId;
import dev.facteur.net.Cidr;
import dev.facteur.net.HostPort;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Behaviour of the listening server over real loopback sockets: limits, timeouts, shutdown. */
class SmtpServerTest {

    private final SmtpSessionTest.MemorySink sink = new SmtpSessionTest.MemorySink();
    private SmtpServer server;
    private final List<Socket> sockets = new ArrayList<>();

    private InetSocketAddress start(int maxConnections, int perIp, Duration commandTimeout) throws IOException {
        var settings = new SmtpSettings("mx.example.test", List.of(new HostPort("127.0.0.1", 0)), 10_000, 100, 3,
                maxConnections, perIp, commandTimeout, Duration.ofMinutes(10),
                new RelayControl(Set.of("example.test"), List.of(Cidr.parse("127.0.0.0/8"))), null);
        server = new SmtpServer(settings, sink, new QueueId.Generator(), Clock.systemUTC());
        server.start();
        return server.boundAddresses().getFirst();
    }

    @AfterEach
    void stop() throws IOException {
        for (Socket s : sockets) s.close();
        if (server != null) server.shutdown(Duration.ofSeconds(1));
    }

    private final class Client {
        final Socket socket;
        final BufferedReader in;
        final OutputStream out;

        Client(InetSocketAddress at) throws IOException {
            socket = new Socket();
            sockets.add(socket);
            socket.connect(at, 5000);
            socket.setSoTimeout(10_000);
            in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            out = socket.getOutputStream();
        }

        /** Reads one whole (possibly multiline) reply and returns its last line. */
        String reply() throws IOException {
            String line;
            do {
                line = in.readLine();
                if (line == null) return null;
            } while (line.length() > 3 && line.charAt(3) == '-');
            return line;
        }

        String send(String command) throws IOException {
            out.write((command + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            return reply();
        }
    }

    @Test
    void thousandsOfIdleConnectionsAreAllServed() throws IOException { // one virtual thread each
        var at = start(5000, 5000, Duration.ofMinutes(5));
        List<Client> clients = new ArrayList<>();
        for (int i = 0; i < 2000; i++) clients.add(new Client(at));
        for (Client c : clients) assertThat(c.reply()).startsWith("220 mx.example.test ESMTP");
        assertThat(server.openConnections()).isEqualTo(2000);
        assertThat(clients.getLast().send("NOOP")).startsWith("250 2.0.0");
    }

    @Test
    void connectionsOverTheLimitsAreToldToComeBackLater() throws IOException {
        var at = start(3, 2, Duration.ofMinutes(5));
        var a = new Client(at);
        var b = new Client(at);
        assertThat(a.reply()).startsWith("220");
        assertThat(b.reply()).startsWith("220");
        assertThat(new Client(at).reply()).startsWith("421 4.7.0 Too many connections from your address");
    }

    @Test
    void idleClientsTimeOut() throws IOException { // RFC 5321 §4.5.3.2
        var c = new Client(start(10, 10, Duration.ofMillis(300)));
        assertThat(c.reply()).startsWith("220");
        assertThat(c.reply()).startsWith("421 4.4.2");
        assertThat(c.in.readLine()).isNull();
    }

    @Test
    void tooManyErrorsEndTheSession() throws IOException {
        var c = new Client(start(10, 10, Duration.ofMinutes(5)));
        c.reply();
        c.send("BOGUS");
        c.send("BOGUS");
        assertThat(c.send("BOGUS")).startsWith("500");
        assertThat(c.reply()).startsWith("421 4.7.0 Too many errors");
        assertThat(c.in.readLine()).isNull();
    }

    @Test
    void overlongCommandLinesAreRefusedAndTheSessionGoesOn() throws IOException { // RFC 5321 §4.5.3.1.4
        var c = new Client(start(10, 10, Duration.ofMinutes(5)));
        c.reply();
        assertThat(c.send("NOOP " + "x".repeat(1_000_000))).startsWith("500 5.5.2 Line too long");
        assertThat(c.send("NOOP")).startsWith("250");
    }

    @Test
    void pipelinedCommandsGetTheirRepliesInOrder() throws IOException { // RFC 2920
        var c = new Client(start(10, 10, Duration.ofMinutes(5)));
        c.reply();
        c.send("EHLO client.example");
        c.out.write("MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.test>\r\nRCPT TO:<c@elsewhere.example>\r\nDATA\r\n"
                .getBytes(StandardCharsets.US_ASCII));
        c.out.flush();
        assertThat(c.reply()).startsWith("250 2.1.0");
        assertThat(c.reply()).startsWith("250 2.1.5");
        assertThat(c.reply()).startsWith("250 2.1.5"); // loopback is in the relay networks
        assertThat(c.reply()).startsWith("354");
        assertThat(c.send("Subject: hi\r\n\r\nbody\r\n.")).startsWith("250 2.0.0 Ok: queued as ");
        assertThat(sink.stored).hasSize(1);
        assertThat(c.send("QUIT")).startsWith("221");
    }

    @Test
    void shutdownTellsIdleClients421() throws IOException {
        var c = new Client(start(10, 10, Duration.ofMinutes(5)));
        c.reply();
        c.send("EHLO client.example");
        server.shutdown(Duration.ofSeconds(2));
        assertThat(c.reply()).startsWith("421 4.3.2");
        await().atMost(Duration.ofSeconds(5)).until(() -> server.openConnections() == 0);
    }

    @Test
    void aTransactionUnderWayIsFinishedBeforeShutdown() throws Exception {
        var c = new Client(start(10, 10, Duration.ofMinutes(5)));
        c.reply();
        c.send("EHLO client.example");
        c.send("MAIL FROM:<a@example.org>");
        c.send("RCPT TO:<b@example.test>");
        assertThat(c.send("DATA")).startsWith("354");
        Thread stopper = Thread.ofVirtual().start(() -> server.shutdown(Duration.ofSeconds(5)));
        Thread.sleep(200);
        assertThat(c.send("Subject: late\r\n\r\nstill mine\r\n.")).startsWith("250 2.0.0");
        assertThat(c.reply()).startsWith("421 4.3.2");
        stopper.join();
        assertThat(sink.stored).hasSize(1);
    }
}
