package dev.facteur.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
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
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Behaviour of the listening server over real loopback sockets: limits, timeouts, shutdown. */
class SmtpServerTest {

    private final SmtpSessionTest.MemorySink sink = new SmtpSessionTest.MemorySink();
    private SmtpServer server;
    private final List<Socket> sockets = new ArrayList<>();

    private static SmtpSettings settings(int maxConnections, int perIp, Duration commandTimeout, SmtpSettings.Defences defences) {
        return new SmtpSettings("mx.example.test", List.of(new HostPort("127.0.0.1", 0)), 10_000, 100, 3,
                maxConnections, perIp, commandTimeout, Duration.ofMinutes(10),
                new RelayControl(Set.of("example.test"), List.of(Cidr.parse("127.0.0.0/8"))), null, defences);
    }

    private InetSocketAddress start(int maxConnections, int perIp, Duration commandTimeout) throws IOException {
        return start(settings(maxConnections, perIp, commandTimeout,
                new SmtpSettings.Defences(3, Duration.ZERO, 1000, commandTimeout, 0)), sink, d -> {});
    }

    private InetSocketAddress start(SmtpSettings settings, MessageSink sink, SmtpConnection.Tarpit tarpit) throws IOException {
        server = new SmtpServer(settings, sink, new QueueId.Generator(), Clock.systemUTC(), tarpit);
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
            this(at, "127.0.0.1");
        }

        /** A client from another address of 127.0.0.0/8, which stands for another host. */
        Client(InetSocketAddress at, String from) throws IOException {
            socket = new Socket();
            sockets.add(socket);
            socket.bind(new InetSocketAddress(from, 0));
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
    void repliesAreSentBeforeWaitingForTheRestOfAPartialCommand() throws IOException { // RFC 2920 §3.2
        var c = new Client(start(10, 10, Duration.ofMinutes(5)));
        c.reply();
        c.send("EHLO client.example");
        // The server must not sit on two replies while the third command is still on its way.
        c.out.write("MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.test>\r\nRC".getBytes(StandardCharsets.US_ASCII));
        c.out.flush();
        assertThat(c.reply()).startsWith("250 2.1.0");
        assertThat(c.reply()).startsWith("250 2.1.5");
        assertThat(c.send("PT TO:<c@example.test>")).startsWith("250 2.1.5");
    }

    @Test
    void clientsThatQuitAndReconnectAtOnceStayWithinTheirLimit() throws Exception {
        // As smtp-source does: every session waits for 221, then opens the next one at once. Exactly
        // max_connections_per_ip of them must never be told "too many connections".
        int perIp = 4;
        var at = start(100, perIp, Duration.ofMinutes(5));
        List<String> refusals = Collections.synchronizedList(new ArrayList<>());
        List<Future<?>> clients = new ArrayList<>();
        try (var sessions = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < perIp; i++) {
                clients.add(sessions.submit(() -> {
                    for (int n = 0; n < 200; n++) {
                        try (Socket s = new Socket()) {
                            s.connect(at, 5000);
                            s.setSoTimeout(10_000);
                            var in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                            String greeting = in.readLine();
                            if (!greeting.startsWith("220")) {
                                refusals.add(greeting);
                                continue;
                            }
                            s.getOutputStream().write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
                            assertThat(in.readLine()).startsWith("221");
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : clients) f.get();
        }
        assertThat(refusals).isEmpty();
    }

    // ---- errors and junk (Postfix's smtpd_hard_error_limit, smtpd_soft_error_limit, smtpd_junk_command_limit) ----

    @Test
    void commandsThatMakeNoProgressCountAsErrorsBeyondTheJunkLimit() throws IOException {
        var at = start(settings(10, 10, Duration.ofMinutes(5), new SmtpSettings.Defences(3, Duration.ZERO, 6, Duration.ofMinutes(5), 0)),
                sink, d -> {});
        var c = new Client(at);
        c.reply();
        assertThat(c.send("EHLO client.example")).startsWith("250");
        assertThat(c.send("MAIL FROM:<a@example.org>")).startsWith("250");
        assertThat(c.send("RCPT TO:<b@example.test>")).startsWith("250");
        for (String junk : List.of("BDAT 0", "NOOP", "VRFY bob", "HELP", "RSET")) // RFC 3030: an empty chunk adds nothing
            assertThat(c.send(junk)).startsWith("2");
        // Beyond the limit each one still gets its reply, but counts as an error: three of them make max_errors.
        assertThat(c.send("NOOP")).startsWith("250");
        assertThat(c.send("NOOP")).startsWith("250");
        assertThat(c.send("NOOP")).startsWith("250");
        assertThat(c.reply()).startsWith("421 4.7.0 Too many errors");
        assertThat(c.in.readLine()).isNull();
    }

    @Test
    void anAcceptedMessageClearsTheClientsRecord() throws IOException { // as Postfix: errors and junk restart at zero
        var at = start(settings(10, 10, Duration.ofMinutes(5), new SmtpSettings.Defences(3, Duration.ZERO, 2, Duration.ofMinutes(5), 0)),
                sink, d -> {});
        var c = new Client(at);
        c.reply();
        for (int message = 0; message < 3; message++) {
            assertThat(c.send("EHLO client.example")).startsWith("250");
            assertThat(c.send("BOGUS")).startsWith("500");
            assertThat(c.send("NOOP")).startsWith("250");
            assertThat(c.send("MAIL FROM:<a@example.org>")).startsWith("250");
            assertThat(c.send("RCPT TO:<b@example.test>")).startsWith("250");
            assertThat(c.send("DATA")).startsWith("354");
            assertThat(c.send("Subject: " + message + "\r\n\r\nhi\r\n.")).startsWith("250 2.0.0 Ok: queued as ");
        }
        assertThat(sink.stored).hasSize(3);
    }

    @Test
    void policyDeferralsAreNotTheClientsErrors() throws IOException { // greylisting answers honest clients 4xx
        Reply greylisted = new Reply(450, "4.7.1", "Greylisted, try again later");
        var relay = new RelayControl(Set.of("example.test"), List.of(Cidr.parse("127.0.0.0/8")));
        AddressPolicy greylisting = (client, rcpt) -> rcpt.localPart().startsWith("grey")
                ? new AddressPolicy.Decision.Refuse(greylisted) : relay.recipient(client, rcpt);
        var base = settings(10, 10, Duration.ofMinutes(5), new SmtpSettings.Defences(3, Duration.ZERO, 100, Duration.ofMinutes(5), 0));
        var at = start(new SmtpSettings(base.hostname(), base.listen(), base.maxMessageSize(), 2, base.maxErrors(),
                base.maxConnections(), base.maxConnectionsPerIp(), base.commandTimeout(), base.dataTimeout(), greylisting,
                null, base.defences()), sink, d -> {});
        var c = new Client(at);
        c.reply();
        c.send("EHLO client.example");
        c.send("MAIL FROM:<a@example.org>");
        for (int i = 0; i < 10; i++) assertThat(c.send("RCPT TO:<grey" + i + "@example.test>")).startsWith("450 4.7.1");
        assertThat(c.send("RCPT TO:<b@example.test>")).startsWith("250");
        assertThat(c.send("RCPT TO:<c@example.test>")).startsWith("250");
        // RFC 5321 §4.5.3.1.10: a client told "too many recipients" sends the rest later; not an error either
        for (int i = 0; i < 10; i++) assertThat(c.send("RCPT TO:<d" + i + "@example.test>")).startsWith("452 4.5.3");
        assertThat(c.send("DATA")).startsWith("354");
        assertThat(c.send("Subject: still here\r\n\r\nhi\r\n.")).startsWith("250 2.0.0");
    }

    @Test
    void whatCountsAsAnError() {
        assertThat(SmtpConnection.chargesClient(Replies.UNRECOGNIZED)).isTrue();
        assertThat(SmtpConnection.chargesClient(Replies.RELAY_DENIED)).as("refused, as Postfix counts it").isTrue();
        assertThat(SmtpConnection.chargesClient(new Reply(451, "4.5.0", "protocol error, temporary"))).isTrue();
        assertThat(SmtpConnection.chargesClient(Replies.TOO_MANY_RECIPIENTS)).isFalse();
        assertThat(SmtpConnection.chargesClient(new Reply(450, "4.7.1", "Greylisted"))).isFalse();
        assertThat(SmtpConnection.chargesClient(new Reply(450, "4.2.0", "Greylisted (postgrey)"))).isFalse();
        assertThat(SmtpConnection.chargesClient(Replies.STORAGE_FAILED)).isFalse();
        assertThat(SmtpConnection.chargesClient(Replies.INSUFFICIENT_STORAGE)).isFalse();
        assertThat(SmtpConnection.chargesClient(Replies.OK)).isFalse();
    }

    @Test
    void fromTheSoftErrorLimitOnEveryReplyWaits() throws IOException { // Postfix's smtpd_error_sleep_time
        List<Duration> sleeps = Collections.synchronizedList(new ArrayList<>());
        var at = start(settings(10, 10, Duration.ofMinutes(5), new SmtpSettings.Defences(2, Duration.ofSeconds(7), 100, Duration.ofMinutes(5), 0)),
                sink, sleeps::add);
        var c = new Client(at);
        c.reply();
        assertThat(c.send("BOGUS")).startsWith("500");
        assertThat(c.send("NOOP")).startsWith("250");
        assertThat(c.send("BOGUS")).startsWith("500");
        assertThat(sleeps).as("fewer than two errors so far").isEmpty();
        assertThat(c.send("NOOP")).startsWith("250");
        assertThat(sleeps).containsExactly(Duration.ofSeconds(7));
    }

    // ---- connection slots (postscreen's concern: idle connections must not lock others out) ----

    @Test
    void idleConnectionsFromAFewAddressesLeaveTheReserveToOthersAndAreCutBeforeMail() throws IOException {
        // 10 slots, the last 2 reserved for addresses that hold none; a short timeout until MAIL, a long one after
        var at = start(settings(10, 5, Duration.ofMinutes(5), new SmtpSettings.Defences(3, Duration.ZERO, 100, Duration.ofSeconds(3), 2)),
                sink, d -> {});
        List<Client> idle = new ArrayList<>();
        List<String> idleGreetings = new ArrayList<>();
        for (String address : List.of("127.0.0.2", "127.0.0.3")) {
            for (int i = 0; i < 5; i++) {
                var c = new Client(at, address);
                String greeting = c.reply();
                idleGreetings.add(greeting);
                if (greeting.startsWith("220")) idle.add(c);
            }
        }
        assertThat(idle).as("the unreserved slots, shared between the two").hasSize(8);
        assertThat(idleGreetings).filteredOn(g -> g.startsWith("421 4.7.0")).hasSize(2);

        var worker = new Client(at, "127.0.0.4");
        assertThat(worker.reply()).startsWith("220");
        assertThat(worker.send("EHLO worker.example")).startsWith("250");
        assertThat(worker.send("MAIL FROM:<a@example.org>")).startsWith("250");
        var another = new Client(at, "127.0.0.5");
        assertThat(another.reply()).startsWith("220");
        assertThat(new Client(at, "127.0.0.6").reply()).as("now full").startsWith("421 4.7.0 Too many connections");

        // The idle ones never sent MAIL: the short timeout cuts them; the worker, past MAIL, is still served.
        for (Client c : idle) {
            assertThat(c.reply()).startsWith("421 4.4.2");
            assertThat(c.in.readLine()).isNull();
        }
        assertThat(worker.send("RCPT TO:<b@example.test>")).startsWith("250");
        assertThat(worker.send("DATA")).startsWith("354");
        assertThat(worker.send("Subject: work\r\n\r\ndone\r\n.")).startsWith("250 2.0.0 Ok: queued as ");
        await().atMost(Duration.ofSeconds(30)).until(() -> server.openConnections() == 1); // the worker's
        assertThat(new Client(at, "127.0.0.2").reply()).as("slots come back").startsWith("220");
    }

    // ---- storage failures: the content is read to its end, then answered and logged ----

    private static final SmtpSettings.Defences QUIET = new SmtpSettings.Defences(3, Duration.ZERO, 100, Duration.ofMinutes(5), 0);

    /** Content of about 7 KB whose lines would be commands if the server lost its place. */
    private static final String CONTENT = "Subject: big\r\n\r\n" + "RSET\r\nMAIL FROM:<evil@example.org>\r\n".repeat(200);

    private Client transaction(InetSocketAddress at) throws IOException {
        var c = new Client(at);
        c.reply();
        assertThat(c.send("EHLO client.example")).startsWith("250");
        assertThat(c.send("MAIL FROM:<a@example.org>")).startsWith("250");
        assertThat(c.send("RCPT TO:<b@example.test>")).startsWith("250");
        return c;
    }

    @Test
    void aDiskFullDuringDataIsToldAfterTheContent() throws IOException { // RFC 3463 X.3.1 "mail system full"
        try (var log = SmtpdLog.attach()) {
            var c = transaction(start(settings(10, 10, Duration.ofMinutes(5), QUIET), FailingSink.fullAfter(1000), d -> {}));
            assertThat(c.send("DATA")).startsWith("354");
            assertThat(c.send(CONTENT + ".")).startsWith("452 4.3.1 ");
            assertThat(c.send("NOOP")).as("nothing of the content was taken for a command").isEqualTo("250 2.0.0 OK");
            assertThat(log.errors()).anyMatch(m -> m.matches("[0-9A-Z]{13}: reject DATA from .*: 452 4\\.3\\.1 .*No space left on device"));
        }
    }

    @Test
    void aDiskFullDuringBdatIsToldAtTheLastChunk() throws IOException { // RFC 3030 §2
        var c = transaction(start(settings(10, 10, Duration.ofMinutes(5), QUIET), FailingSink.fullAfter(1000), d -> {}));
        String half = CONTENT.substring(0, 3000);
        c.out.write(("BDAT 3000\r\n" + half + "BDAT 3000 LAST\r\n" + half).getBytes(StandardCharsets.US_ASCII));
        assertThat(c.reply()).startsWith("250");
        assertThat(c.reply()).startsWith("452 4.3.1 ");
        assertThat(c.send("NOOP")).isEqualTo("250 2.0.0 OK");
    }

    @Test
    void anyOtherStorageFailureIsALocalError() throws IOException { // 451 4.3.0, logged with the queue id
        try (var log = SmtpdLog.attach()) {
            for (FailingSink broken : List.of(FailingSink.failingOpen(new IOException("spool unavailable")),
                    FailingSink.failingCommit(new IOException("fsync failed")))) {
                var c = transaction(start(settings(10, 10, Duration.ofMinutes(5), QUIET), broken, d -> {}));
                assertThat(c.send("DATA")).startsWith("354");
                assertThat(c.send(CONTENT + ".")).startsWith("451 4.3.0 ");
                assertThat(c.send("NOOP")).isEqualTo("250 2.0.0 OK");
                server.shutdown(Duration.ofSeconds(1));
            }
            assertThat(log.errors()).anyMatch(m -> m.matches("[0-9A-Z]{13}: reject DATA from .*: 451 4\\.3\\.0 .*spool unavailable"))
                    .anyMatch(m -> m.matches("[0-9A-Z]{13}: reject DATA from .*: 451 4\\.3\\.0 .*fsync failed"));
        }
    }

    /** The server's log lines at ERROR, while attached. */
    private static final class SmtpdLog extends AppenderBase<ILoggingEvent> implements AutoCloseable {
        private final List<String> errors = new CopyOnWriteArrayList<>();

        static SmtpdLog attach() {
            var log = new SmtpdLog();
            log.setContext((LoggerContext) LoggerFactory.getILoggerFactory());
            log.start();
            ((Logger) LoggerFactory.getLogger("facteur.smtpd")).addAppender(log);
            return log;
        }

        @Override
        protected void append(ILoggingEvent e) {
            if (e.getLevel() == Level.ERROR) errors.add(e.getFormattedMessage());
        }

        List<String> errors() {
            return errors;
        }

        @Override
        public void close() {
            ((Logger) LoggerFactory.getLogger("facteur.smtpd")).detachAppender(this);
        }
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
