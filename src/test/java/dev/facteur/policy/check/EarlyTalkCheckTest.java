package dev.facteur.policy.check;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.message.Envelope;
import dev.facteur.message.QueueId;
import dev.facteur.net.HostPort;
import dev.facteur.policy.ClientName;
import dev.facteur.policy.OptOut;
import dev.facteur.policy.Pipeline;
import dev.facteur.smtp.MessageSink;
import dev.facteur.smtp.SmtpServer;
import dev.facteur.smtp.SmtpSettings;
import dev.facteur.testing.TestConfig;
import dev.facteur.testing.WireClient;
import java.io.InputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** postscreen's pregreet and pipelining tests, over real loopback sockets. */
class EarlyTalkCheckTest {

    private SmtpServer server;

    private InetSocketAddress start(Duration pause, EarlyTalkCheck.Action action) throws Exception {
        var addresses = TestConfig.in(Path.of("unused")).hostname("mx.example.test").tables("""
                [relay]
                networks = ["127.0.0.1/32"]
                [local]
                domains = ["example.test"]
                users = ["bob"]
                """).addresses();
        var settings = new SmtpSettings("mx.example.test", List.of(new HostPort("127.0.0.1", 0)), 10_000, 100, 20, 100, 100,
                Duration.ofMinutes(1), Duration.ofMinutes(1), addresses, null, SmtpSettings.Defences.DEFAULT);
        MessageSink sink = id -> new MessageSink.Draft() {
            final ByteArrayOutputStream buf = new ByteArrayOutputStream();

            public OutputStream content() {
                return buf;
            }

            public InputStream written() {
                return new ByteArrayInputStream(buf.toByteArray());
            }

            public void commit(Envelope e) {}

            public void close() {}
        };
        // 127.0.0.1 is a relay client (trusted): the tests connect from 127.0.0.2, a stranger
        var pipeline = new Pipeline(List.of(new EarlyTalkCheck(pause, action)), a -> a.getHostAddress().equals("127.0.0.1"),
                OptOut.DEFAULT, a -> new ClientName(ClientName.Status.NONE, null));
        server = new SmtpServer(settings, sink, pipeline, new QueueId.Generator(), Clock.systemUTC());
        server.start();
        return server.boundAddresses().getFirst();
    }

    @AfterEach
    void stop() {
        if (server != null) server.shutdown(Duration.ofSeconds(1));
    }

    @Test
    void aClientThatTalksBeforeTheGreetingIsDroppedWith521() throws Exception {
        var at = start(Duration.ofMinutes(1), EarlyTalkCheck.Action.DROP); // it talks at once: nobody waits the minute
        try (var c = WireClient.connectFrom(at, "127.0.0.2")) {
            c.send("EHLO spammer.example\r\n");
            assertThat(c.readUntilClosed()).startsWith("521 5.5.1 Protocol error");
        }
    }

    @Test
    void aClientThatWaitsGetsTheGreetingAfterThePauseAndSendsMail() throws Exception {
        var at = start(Duration.ofMillis(200), EarlyTalkCheck.Action.DROP);
        try (var c = WireClient.connectFrom(at, "127.0.0.2")) {
            assertThat(c.reply()).startsWith("220 ");
            c.expect(250, c.command("EHLO mta.example"));
            c.send("MAIL FROM:<a@example.org>\r\nRCPT TO:<bob@example.test>\r\n"); // pipelined after PIPELINING was offered
            c.expect(250, c.read());
            c.expect(250, c.read());
        }
    }

    @Test
    void aHeloClientThatPipelinesIsRefusedAtEachRecipientWhenTheActionIsReject() throws Exception {
        var at = start(Duration.ofMillis(1), EarlyTalkCheck.Action.REJECT);
        try (var c = WireClient.connectFrom(at, "127.0.0.2")) {
            assertThat(c.reply()).startsWith("220 ");
            c.send("HELO bot.example\r\nMAIL FROM:<a@example.org>\r\n"); // HELO offers no PIPELINING
            c.expect(250, c.read());
            c.expect(250, c.read());
            assertThat(c.ask("RCPT TO:<bob@example.test>")).startsWith("550 5.5.1 Protocol error");
            assertThat(c.ask("RCPT TO:<postmaster@example.test>")).as("postmaster still gets mail").startsWith("250 ");
        }
    }

    @Test
    void pipeliningBeforeTheEhloReplyIsAViolationToo() throws Exception { // RFC 2920 §3.1
        var at = start(Duration.ofMillis(1), EarlyTalkCheck.Action.DROP);
        try (var c = WireClient.connectFrom(at, "127.0.0.2")) {
            assertThat(c.reply()).startsWith("220 ");
            c.send("EHLO bot.example\r\nMAIL FROM:<a@example.org>\r\n");
            assertThat(c.readUntilClosed()).contains("521 5.5.1");
        }
    }

    @Test
    void trustedClientsAreNotMadeToWait() throws Exception {
        var at = start(Duration.ofMinutes(1), EarlyTalkCheck.Action.DROP);
        try (var c = WireClient.connect(at)) { // from 127.0.0.1, a relay client
            c.send("EHLO app.example\r\n");
            assertThat(c.reply()).startsWith("220 ");
            c.expect(250, c.read());
        }
    }
}
