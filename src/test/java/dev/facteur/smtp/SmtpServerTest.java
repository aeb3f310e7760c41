package dev.facteur.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.message.QueueId;
import dev.facteur.net.HostPort;
import dev.facteur.testing.LogCapture;
import dev.facteur.testing.Loopback;
import dev.facteur.testing.Patience;
import dev.facteur.testing.WireClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Behaviour of the listening server over real loopback sockets: limits, timeouts, shutdown. */
class SmtpServerTest {

    private final SmtpSessionTest.MemorySink sink = new SmtpSessionTest.MemorySink();
    private SmtpServer server;
    private final List<WireClient> clients = new ArrayList<>();

    private static SmtpSettings settings(int maxConnections, int perIp, Duration commandTimeout, SmtpSettings.Defences defences) {
        return new SmtpSettings("mx.example.test", List.of(new HostPort("127.0.0.1", 0)), 10_000, 100, 3,
                maxConnections, perIp, commandTimeout, Duration.ofMinutes(10), SmtpSessionTest.EXAMPLE_TEST, null, defences);
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
        for (WireClient c : clients) c.close();
        if (server != null) server.shutdown(Duration.ofSeconds(1));
    }

    /** A client from 127.0.0.1; its greeting is still to be read. */
    private WireClient client(InetSocketAddress at) throws IOException {
        return track(WireClient.connect(at));
    }

    /** A client from another address of 127.0.0.0/8, which stands for another host. */
    private WireClient client(InetSocketAddress at, String from) throws IOException {
        return track(WireClient.connectFrom(at, from));
    }

    private WireClient track(WireClient c) {
        clients.add(c);
        return c;
    }

    @Test
    void thousandsOfIdleConnectionsAreAllServed() throws IOException { // one virtual thread each
        var at = start(5000, 5000, Duration.ofMinutes(5));
        List<WireClient> clients = new ArrayList<>();
        for (int i = 0; i < 2000; i++) clients.add(client(at));
        for (WireClient c : clients) assertThat(c.reply()).startsWith("220 mx.example.test ESMTP");
        assertThat(server.openConnections()).isEqualTo(2000);
        assertThat(clients.getLast().ask("NOOP")).startsWith("250 2.0.0");
    }

    @Test
    void connectionsOverTheLimitsAreToldToComeBackLater() throws IOException {
        var at = start(3, 2, Duration.ofMinutes(5));
        var a = client(at);
        var b = client(at);
        assertThat(a.reply()).startsWith("220");
        assertThat(b.reply()).startsWith("220");
        assertThat(client(at).reply()).startsWith("421 4.7.0 Too many connections from your address");
    }

    @Test
    void idleClientsTimeOut() throws IOException { // RFC 5321 §4.5.3.2
        var c = client(start(10, 10, Duration.ofMillis(300)));
        assertThat(c.reply()).startsWith("220");
        assertThat(c.reply()).startsWith("421 4.4.2");
        assertThat(c.reply()).isNull();
    }

    @Test
    void tooManyErrorsEndTheSession() throws IOException {
        var c = client(start(10, 10, Duration.ofMinutes(5)));
        c.reply();
        c.ask("BOGUS");
        c.ask("BOGUS");
        assertThat(c.ask("BOGUS")).startsWith("500");
        assertThat(c.reply()).startsWith("421 4.7.0 Too many errors");
        assertThat(c.reply()).isNull();
    }

    @Test
    void overlongCommandLinesAreRefusedAndTheSessionGoesOn() throws IOException { // RFC 5321 §4.5.3.1.4
        var c = client(start(10, 10, Duration.ofMinutes(5)));
        c.reply();
        assertThat(c.ask("NOOP " + "x".repeat(1_000_000))).startsWith("500 5.5.2 Line too long");
        assertThat(c.ask("NOOP")).startsWith("250");
    }

    @Test
    void pipelinedCommandsGetTheirRepliesInOrder() throws IOException { // RFC 2920
        var c = client(start(10, 10, Duration.ofMinutes(5)));
        c.reply();
        c.ask("EHLO client.example");
        c.send("MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.test>\r\nRCPT TO:<c@elsewhere.example>\r\nDATA\r\n");
        assertThat(c.reply()).startsWith("250 2.1.0");
        assertThat(c.reply()).startsWith("250 2.1.5");
        assertThat(c.reply()).startsWith("250 2.1.5"); // loopback is in the relay networks
        assertThat(c.reply()).startsWith("354");
        assertThat(c.ask("Subject: hi\r\n\r\nbody\r\n.")).startsWith("250 2.0.0 Ok: queued as ");
        assertThat(sink.stored).hasSize(1);
        assertThat(c.ask("QUIT")).startsWith("221");
    }

    @Test
    void repliesAreSentBeforeWaitingForTheRestOfAPartialCommand() throws IOException { // RFC 2920 §3.2
        var c = client(start(10, 10, Duration.ofMinutes(5)));
        c.reply();
        c.ask("EHLO client.example");
        // The server must not sit on two replies while the third command is still on its way.
        c.send("MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.test>\r\nRC");
        assertThat(c.reply()).startsWith("250 2.1.0");
        assertThat(c.reply()).startsWith("250 2.1.5");
        assertThat(c.ask("PT TO:<c@example.test>")).startsWith("250 2.1.5");
    }

    @Test
    void clientsThatQuitAndReconnectAtOnceStayWithinTheirLimit() throws Exception {
        // As smtp-source does: every session waits for 221, then opens the next one at once. Exactly
        // max_connections_per_ip of them must never be told "too many connections".
        int perIp = 4;
        var at = start(100, perIp, Duration.ofMinutes(5));
        List<String> refusals = Collections.synchronizedList(new ArrayList<>());
        List<Future<?>> sessionsEnded = new ArrayList<>();
        try (var sessions = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < perIp; i++) {
                sessionsEnded.add(sessions.submit(() -> {
                    for (int n = 0; n < 200; n++) {
                        try (WireClient c = WireClient.connect(at)) {
                            String greeting = c.reply();
                            if (!greeting.startsWith("220")) {
                                refusals.add(greeting);
                                continue;
                            }
                            assertThat(c.ask("QUIT")).startsWith("221");
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : sessionsEnded) f.get();
        }
        assertThat(refusals).isEmpty();
    }

    // ---- errors and junk (Postfix's smtpd_hard_error_limit, smtpd_soft_error_limit, smtpd_junk_command_limit) ----

    @Test
    void commandsThatMakeNoProgressCountAsErrorsBeyondTheJunkLimit() throws IOException {
        var at = start(settings(10, 10, Duration.ofMinutes(5), new SmtpSettings.Defences(3, Duration.ZERO, 6, Duration.ofMinutes(5), 0)),
                sink, d -> {});
        var c = client(at);
        c.reply();
        assertThat(c.ask("EHLO client.example")).startsWith("250");
        assertThat(c.ask("MAIL FROM:<a@example.org>")).startsWith("250");
        assertThat(c.ask("RCPT TO:<b@example.test>")).startsWith("250");
        for (String junk : List.of("BDAT 0", "NOOP", "VRFY bob", "HELP", "RSET")) // RFC 3030: an empty chunk adds nothing
            assertThat(c.ask(junk)).startsWith("2");
        // Beyond the limit each one still gets its reply, but counts as an error: three of them make max_errors.
        assertThat(c.ask("NOOP")).startsWith("250");
        assertThat(c.ask("NOOP")).startsWith("250");
        assertThat(c.ask("NOOP")).startsWith("250");
        assertThat(c.reply()).startsWith("421 4.7.0 Too many errors");
        assertThat(c.reply()).isNull();
    }

    @Test
    void anAcceptedMessageClearsTheClientsRecord() throws IOException { // as Postfix: errors and junk restart at zero
        var at = start(settings(10, 10, Duration.ofMinutes(5), new SmtpSettings.Defences(3, Duration.ZERO, 2, Duration.ofMinutes(5), 0)),
                sink, d -> {});
        var c = client(at);
        c.reply();
        for (int message = 0; message < 3; message++) {
            assertThat(c.ask("EHLO client.example")).startsWith("250");
            assertThat(c.ask("BOGUS")).startsWith("500");
            assertThat(c.ask("NOOP")).startsWith("250");
            assertThat(c.ask("MAIL FROM:<a@example.org>")).startsWith("250");
            assertThat(c.ask("RCPT TO:<b@example.test>")).startsWith("250");
            assertThat(c.ask("DATA")).startsWith("354");
            assertThat(c.ask("Subject: " + message + "\r\n\r\nhi\r\n.")).startsWith("250 2.0.0 Ok: queued as ");
        }
        assertThat(sink.stored).hasSize(3);
    }

    @Test
    void policyDeferralsAreNotTheClientsErrors() throws IOException { // greylisting answers honest clients 4xx
        Reply greylisted = new Reply(450, "4.7.1", "Greylisted, try again later");
        AddressPolicy greylisting = (client, rcpt) -> rcpt.localPart().startsWith("grey")
                ? new AddressPolicy.Decision.Refuse(greylisted) : SmtpSessionTest.EXAMPLE_TEST.recipient(client, rcpt);
        var base = settings(10, 10, Duration.ofMinutes(5), new SmtpSettings.Defences(3, Duration.ZERO, 100, Duration.ofMinutes(5), 0));
        var at = start(new SmtpSettings(base.hostname(), base.listen(), base.maxMessageSize(), 2, base.maxErrors(),
                base.maxConnections(), base.maxConnectionsPerIp(), base.commandTimeout(), base.dataTimeout(), greylisting,
                null, base.defences()), sink, d -> {});
        var c = client(at);
        c.reply();
        c.ask("EHLO client.example");
        c.ask("MAIL FROM:<a@example.org>");
        for (int i = 0; i < 10; i++) assertThat(c.ask("RCPT TO:<grey" + i + "@example.test>")).startsWith("450 4.7.1");
        assertThat(c.ask("RCPT TO:<b@example.test>")).startsWith("250");
        assertThat(c.ask("RCPT TO:<c@example.test>")).startsWith("250");
        // RFC 5321 §4.5.3.1.10: a client told "too many recipients" sends the rest later; not an error either
        for (int i = 0; i < 10; i++) assertThat(c.ask("RCPT TO:<d" + i + "@example.test>")).startsWith("452 4.5.3");
        assertThat(c.ask("DATA")).startsWith("354");
        assertThat(c.ask("Subject: still here\r\n\r\nhi\r\n.")).startsWith("250 2.0.0");
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
        var c = client(at);
        c.reply();
        assertThat(c.ask("BOGUS")).startsWith("500");
        assertThat(c.ask("NOOP")).startsWith("250");
        assertThat(c.ask("BOGUS")).startsWith("500");
        assertThat(sleeps).as("fewer than two errors so far").isEmpty();
        assertThat(c.ask("NOOP")).startsWith("250");
        assertThat(sleeps).containsExactly(Duration.ofSeconds(7));
    }

    // ---- connection slots (postscreen's concern: idle connections must not lock others out) ----

    @Test
    void idleConnectionsFromAFewAddressesLeaveTheReserveToOthersAndAreCutBeforeMail() throws IOException {
        // 10 slots, the last 2 reserved for addresses that hold none; a short timeout until MAIL, a long one after
        var at = start(settings(10, 5, Duration.ofMinutes(5), new SmtpSettings.Defences(3, Duration.ZERO, 100, Duration.ofSeconds(3), 2)),
                sink, d -> {});
        List<WireClient> idle = new ArrayList<>();
        List<String> idleGreetings = new ArrayList<>();
        String first = Loopback.host();
        for (String address : List.of(first, Loopback.host())) {
            for (int i = 0; i < 5; i++) {
                var c = client(at, address);
                String greeting = c.reply();
                idleGreetings.add(greeting);
                if (greeting.startsWith("220")) idle.add(c);
            }
        }
        assertThat(idle).as("the unreserved slots, shared between the two").hasSize(8);
        assertThat(idleGreetings).filteredOn(g -> g.startsWith("421 4.7.0")).hasSize(2);

        var worker = client(at, Loopback.host());
        assertThat(worker.reply()).startsWith("220");
        assertThat(worker.ask("EHLO worker.example")).startsWith("250");
        assertThat(worker.ask("MAIL FROM:<a@example.org>")).startsWith("250");
        var another = client(at, Loopback.host());
        assertThat(another.reply()).startsWith("220");
        assertThat(client(at, Loopback.host()).reply()).as("now full").startsWith("421 4.7.0 Too many connections");

        // The idle ones never sent MAIL: the short timeout cuts them; the worker, past MAIL, is still served.
        for (WireClient c : idle) {
            assertThat(c.reply()).startsWith("421 4.4.2");
            assertThat(c.reply()).isNull();
        }
        assertThat(worker.ask("RCPT TO:<b@example.test>")).startsWith("250");
        assertThat(worker.ask("DATA")).startsWith("354");
        assertThat(worker.ask("Subject: work\r\n\r\ndone\r\n.")).startsWith("250 2.0.0 Ok: queued as ");
        Patience.await("the idle connections are gone").until(() -> server.openConnections() == 1); // the worker's
        assertThat(client(at, first).reply()).as("slots come back").startsWith("220");
    }

    // ---- storage failures: the content is read to its end, then answered and logged ----

    private static final SmtpSettings.Defences QUIET = new SmtpSettings.Defences(3, Duration.ZERO, 100, Duration.ofMinutes(5), 0);

    /** Content of about 7 KB whose lines would be commands if the server lost its place. */
    private static final String CONTENT = "Subject: big\r\n\r\n" + "RSET\r\nMAIL FROM:<evil@example.org>\r\n".repeat(200);

    private WireClient transaction(InetSocketAddress at) throws IOException {
        var c = client(at);
        c.reply();
        assertThat(c.ask("EHLO client.example")).startsWith("250");
        assertThat(c.ask("MAIL FROM:<a@example.org>")).startsWith("250");
        assertThat(c.ask("RCPT TO:<b@example.test>")).startsWith("250");
        return c;
    }

    @Test
    void aDiskFullDuringDataIsToldAfterTheContent() throws IOException { // RFC 3463 X.3.1 "mail system full"
        try (var log = LogCapture.attach("facteur.smtpd")) {
            var c = transaction(start(settings(10, 10, Duration.ofMinutes(5), QUIET), FailingSink.fullAfter(1000), d -> {}));
            assertThat(c.ask("DATA")).startsWith("354");
            assertThat(c.ask(CONTENT + ".")).startsWith("452 4.3.1 ");
            assertThat(c.ask("NOOP")).as("nothing of the content was taken for a command").isEqualTo("250 2.0.0 OK");
            assertThat(log.errors()).anyMatch(m -> m.matches("[0-9A-Z]{13}: reject DATA from .*: 452 4\\.3\\.1 .*No space left on device"));
        }
    }

    @Test
    void aDiskFullDuringBdatIsToldAtTheLastChunk() throws IOException { // RFC 3030 §2
        var c = transaction(start(settings(10, 10, Duration.ofMinutes(5), QUIET), FailingSink.fullAfter(1000), d -> {}));
        String half = CONTENT.substring(0, 3000);
        c.send("BDAT 3000\r\n" + half + "BDAT 3000 LAST\r\n" + half);
        assertThat(c.reply()).startsWith("250");
        assertThat(c.reply()).startsWith("452 4.3.1 ");
        assertThat(c.ask("NOOP")).isEqualTo("250 2.0.0 OK");
    }

    @Test
    void anyOtherStorageFailureIsALocalError() throws IOException { // 451 4.3.0, logged with the queue id
        try (var log = LogCapture.attach("facteur.smtpd")) {
            for (FailingSink broken : List.of(FailingSink.failingOpen(new IOException("spool unavailable")),
                    FailingSink.failingCommit(new IOException("fsync failed")))) {
                var c = transaction(start(settings(10, 10, Duration.ofMinutes(5), QUIET), broken, d -> {}));
                assertThat(c.ask("DATA")).startsWith("354");
                assertThat(c.ask(CONTENT + ".")).startsWith("451 4.3.0 ");
                assertThat(c.ask("NOOP")).isEqualTo("250 2.0.0 OK");
                server.shutdown(Duration.ofSeconds(1));
            }
            assertThat(log.errors()).anyMatch(m -> m.matches("[0-9A-Z]{13}: reject DATA from .*: 451 4\\.3\\.0 .*spool unavailable"))
                    .anyMatch(m -> m.matches("[0-9A-Z]{13}: reject DATA from .*: 451 4\\.3\\.0 .*fsync failed"));
        }
    }

    @Test
    void shutdownTellsIdleClients421() throws IOException {
        var c = client(start(10, 10, Duration.ofMinutes(5)));
        c.reply();
        c.ask("EHLO client.example");
        server.shutdown(Duration.ofSeconds(2));
        assertThat(c.reply()).startsWith("421 4.3.2");
        Patience.await("every connection is closed").until(() -> server.openConnections() == 0);
    }

    @Test
    void aTransactionUnderWayIsFinishedBeforeShutdown() throws Exception {
        var c = client(start(10, 10, Duration.ofMinutes(5)));
        c.reply();
        c.ask("EHLO client.example");
        c.ask("MAIL FROM:<a@example.org>");
        c.ask("RCPT TO:<b@example.test>");
        assertThat(c.ask("DATA")).startsWith("354");
        Thread stopper = Thread.ofVirtual().start(() -> server.shutdown(Patience.EVENT));
        // once every connection is told, shutdown waits (timed) for the transactions under way: ours is one
        Patience.await("the shutdown waits for the transaction").until(() -> stopper.getState() == Thread.State.TIMED_WAITING);
        assertThat(c.ask("Subject: late\r\n\r\nstill mine\r\n.")).startsWith("250 2.0.0");
        assertThat(c.reply()).startsWith("421 4.3.2");
        stopper.join();
        assertThat(sink.stored).hasSize(1);
    }
}
