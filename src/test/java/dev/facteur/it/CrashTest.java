package dev.facteur.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.facteur.spool.LogSpool;
import dev.facteur.spool.StoredMessage;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Facteur in its own JVM is killed with SIGKILL while twenty clients are sending. RFC 5321
 * §4.1.1.4 and §6.1: a 250 to DATA means the server has taken responsibility, so every
 * acknowledged message must survive the crash, once and intact; nothing may be stored twice.
 */
class CrashTest {

    private static final int CLIENTS = 20;
    private static final Duration LOAD = Duration.ofSeconds(2);
    private static final int ROUNDS = 2;
    private static final Pattern TOKEN = Pattern.compile("\r\nX-Token: (\\S+)\r\n");

    @TempDir
    Path dir;

    private Path configFile;
    private int port;
    private Process server;
    private int launches;
    private long largeStored;

    @AfterEach
    void killLeftovers() throws InterruptedException {
        if (server != null && server.isAlive()) {
            server.destroyForcibly();
            server.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void everyAcknowledgedMessageSurvivesSigkillIntactAndNothingIsStoredTwice() throws Exception {
        port = freePort();
        configFile = dir.resolve("facteur.toml");
        Files.writeString(configFile, TestConfig.toml(dir.resolve("data"), "127.0.0.1:" + port, "", ""));
        Ledger ledger = new Ledger();
        Set<String> stored = Set.of();

        launch();
        for (int round = 1; round <= ROUNDS; round++) {
            List<String> unexpected = sendUnderLoadThenKill(ledger, round);
            assertThat(unexpected).as("client failures before the kill").isEmpty();

            stored = checkSpool(ledger, stored, "after kill " + round);

            launch(); // same data dir: it must recover, keep what it had, and accept mail again
            Sent after = sendOne(ledger, round);
            assertThat(after.stage).as("the restarted server accepts mail").isEqualTo(Stage.ACCEPTED);
            stored = checkSpool(ledger, stored, "after restart " + round);
            assertThat(stored).contains(after.queueId);
        }
        server.destroy(); // SIGTERM: a graceful stop
        assertThat(server.waitFor(20, TimeUnit.SECONDS)).isTrue();
        checkSpool(ledger, stored, "after graceful stop");
        assertThat(largeStored).as("some messages took the large-file path").isPositive();
    }

    // ---- the server process ------------------------------------------------------------------

    private void launch() {
        Path logFile = dir.resolve("server-" + ++launches + ".log");
        try {
            server = new ProcessBuilder(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
                    "-cp", System.getProperty("java.class.path"),
                    "dev.facteur.cli.Main", "serve", "--config", configFile.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(logFile.toFile())
                    .start();
        } catch (IOException e) {
            throw new AssertionError("cannot start the server JVM", e);
        }
        await("server " + launches + " greets").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> {
            if (!server.isAlive()) throw new AssertionError("server exited " + server.exitValue() + ":\n" + Files.readString(logFile));
            try (WireClient c = WireClient.connect(address())) {
                return c.read().code() == 220;
            } catch (IOException e) {
                return false;
            }
        });
    }

    private void killWithSigkill() throws InterruptedException {
        long pid = server.pid();
        server.destroyForcibly(); // SIGKILL on Linux: no shutdown hook, no flush, no goodbye
        assertThat(server.waitFor(10, TimeUnit.SECONDS)).as("server died").isTrue();
        assertThat(server.exitValue()).as("exit status of a process killed by signal 9").isEqualTo(128 + 9);
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    }

    private InetSocketAddress address() {
        return new InetSocketAddress("127.0.0.1", port);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    // ---- what the clients sent ---------------------------------------------------------------

    /** How far one message got, as its client saw it. */
    enum Stage {
        /** The content, up to and including the final ".", was not yet fully handed to the socket. */
        WRITING,
        /** Everything including CRLF "." CRLF was written; no reply came (in flight at the kill). */
        DOT_SENT,
        ACCEPTED,
        REFUSED
    }

    static final class Sent {
        final String token;
        final String sender;
        final byte[] sha256;
        volatile Stage stage = Stage.WRITING;
        volatile String queueId;
        volatile WireReply reply;

        Sent(String token, String sender, byte[] content) {
            this.token = token;
            this.sender = sender;
            this.sha256 = sha256(content);
        }

        void replied(WireReply r) {
            reply = r;
            if (r.code() == 250) {
                queueId = r.queueId();
                stage = Stage.ACCEPTED;
            } else {
                stage = Stage.REFUSED;
            }
        }
    }

    static final class Ledger {
        final ConcurrentLinkedQueue<Sent> all = new ConcurrentLinkedQueue<>();

        Sent add(Sent s) {
            all.add(s);
            return s;
        }

        Map<String, Sent> byToken() {
            Map<String, Sent> m = new HashMap<>();
            for (Sent s : all) assertThat(m.put(s.token, s)).as("tokens are unique").isNull();
            return m;
        }
    }

    /** A message whose X-Token header names it; a large one (over 1 MiB) goes to the spool's large/ files. */
    private static byte[] message(String token, String sender, Random random, boolean large) {
        StringBuilder sb = new StringBuilder(large ? 1_300_000 : 16_384);
        sb.append("From: ").append(sender).append("\r\nTo: sink@example.test\r\nSubject: crash test\r\nX-Token: ")
                .append(token).append("\r\n\r\n");
        int lines = large ? 17_000 : 1 + random.nextInt(200);
        byte[] raw = new byte[57];
        for (int i = 0; i < lines; i++) {
            random.nextBytes(raw);
            sb.append(Base64.getEncoder().encodeToString(raw)).append("\r\n"); // never starts with "."
        }
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static final byte[] END_OF_DATA = ".\r\n".getBytes(StandardCharsets.US_ASCII);

    /** One client: one connection, messages in a loop until the server goes away. */
    private void client(int n, int round, Ledger ledger, AtomicBoolean killed, List<String> unexpected) {
        Random random = new Random(round * 1000L + n);
        String sender = "load" + n + "@client.test";
        try (WireClient c = WireClient.ready(address(), "load" + n + ".client.test")) {
            for (int seq = 0; ; seq++) {
                c.expect(250, c.command("MAIL FROM:<" + sender + ">"));
                c.expect(250, c.command("RCPT TO:<sink" + n + "@example.test>"));
                c.expect(354, c.command("DATA"));
                String token = "r" + round + "-c" + n + "-m" + seq + "-" + Long.toHexString(random.nextLong());
                byte[] content = message(token, sender, random, n % 4 == 0 && seq % 30 == 3);
                Sent s = ledger.add(new Sent(token, sender, content));
                byte[] wire = new byte[content.length + END_OF_DATA.length];
                System.arraycopy(content, 0, wire, 0, content.length);
                System.arraycopy(END_OF_DATA, 0, wire, content.length, END_OF_DATA.length);
                c.send(wire);
                s.stage = Stage.DOT_SENT;
                s.replied(c.read());
            }
        } catch (IOException e) {
            if (!killed.get()) unexpected.add("client " + n + ": " + e);
        } catch (AssertionError e) {
            if (!killed.get()) unexpected.add("client " + n + ": " + e.getMessage());
        }
    }

    private List<String> sendUnderLoadThenKill(Ledger ledger, int round) throws InterruptedException {
        AtomicBoolean killed = new AtomicBoolean();
        List<String> unexpected = Collections.synchronizedList(new ArrayList<>());
        List<Thread> clients = new ArrayList<>();
        for (int n = 0; n < CLIENTS; n++) {
            int id = n;
            clients.add(Thread.ofPlatform().name("crash-client-" + n).start(() -> client(id, round, ledger, killed, unexpected)));
        }
        Thread.sleep(LOAD);
        killed.set(true);
        killWithSigkill();
        for (Thread t : clients) {
            t.join(Duration.ofSeconds(20));
            assertThat(t.isAlive()).as(t.getName() + " noticed the server is gone").isFalse();
        }
        return unexpected;
    }

    private Sent sendOne(Ledger ledger, int round) throws IOException {
        String sender = "after-restart@client.test";
        try (WireClient c = WireClient.ready(address(), "client.test")) {
            c.expect(250, c.command("MAIL FROM:<" + sender + ">"));
            c.expect(250, c.command("RCPT TO:<sink@example.test>"));
            c.expect(354, c.command("DATA"));
            byte[] content = message("after-restart-" + round, sender, new Random(round), false);
            Sent s = ledger.add(new Sent("after-restart-" + round, sender, content));
            c.send(content);
            c.send(END_OF_DATA);
            s.stage = Stage.DOT_SENT;
            s.replied(c.read());
            c.command("QUIT");
            return s;
        }
    }

    // ---- what the spool holds ----------------------------------------------------------------

    /**
     * Reads the spool as the queue tools do and checks it against what the clients saw; returns
     * the queue ids it holds. {@code before}: ids that an earlier check found, which must all remain.
     */
    private Set<String> checkSpool(Ledger ledger, Set<String> before, String when) throws IOException {
        Map<String, Sent> sent = ledger.byToken();
        List<String> tokens = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        int inFlight = 0;
        long large = 0;
        try (LogSpool spool = LogSpool.openReadOnly(dir.resolve("data").resolve("spool"))) {
            for (StoredMessage m : spool.messages()) {
                String id = m.envelope().id().toString();
                ids.add(id);
                if (m.size() > 1024 * 1024) large++;
                byte[] clientContent = StoredContent.afterTraceHeader(StoredContent.bytes(spool, id));
                Matcher t = TOKEN.matcher(new String(clientContent, 0, Math.min(clientContent.length, 512), StandardCharsets.US_ASCII));
                assertThat(t.find()).as("%s: message %s has our X-Token header", when, id).isTrue();
                String token = t.group(1);
                tokens.add(token);
                Sent s = sent.get(token);
                assertThat(s).as("%s: message %s (%s) was sent by a client", when, id, token).isNotNull();
                assertThat(HexFormat.of().formatHex(sha256(clientContent)))
                        .as("%s: content of %s (%s) is intact", when, id, token)
                        .isEqualTo(HexFormat.of().formatHex(s.sha256));
                assertThat(m.envelope().sender().toString()).isEqualTo(s.sender);
                switch (s.stage) {
                    case ACCEPTED -> assertThat(id).as("%s: the id the client was given", when).isEqualTo(s.queueId);
                    case DOT_SENT -> inFlight++; // committed, but the 250 never reached the client
                    default -> throw new AssertionError(when + ": " + token + " is stored although its client had "
                            + (s.stage == Stage.WRITING ? "not finished sending it" : "been told " + s.reply));
                }
            }
        }
        Set<String> seen = new HashSet<>();
        assertThat(tokens).as("%s: stored twice", when).filteredOn(token -> !seen.add(token)).isEmpty();
        List<String> acknowledged = sent.values().stream().filter(s -> s.stage == Stage.ACCEPTED).map(s -> s.queueId).toList();
        assertThat(acknowledged).as("%s: acknowledged but missing from the spool", when).filteredOn(id -> !ids.contains(id)).isEmpty();
        assertThat(before).as("%s: stored before but gone now", when).filteredOn(id -> !ids.contains(id)).isEmpty();
        long dotSent = sent.values().stream().filter(s -> s.stage == Stage.DOT_SENT).count();
        long refused = sent.values().stream().filter(s -> s.stage == Stage.REFUSED).count();
        System.out.printf("CrashTest %s: %d sent, %d acknowledged, %d refused, %d in flight at a kill (%d of them stored), "
                + "%d stored (%d over 1 MiB)%n", when, sent.size(), acknowledged.size(), refused, dotSent, inFlight, ids.size(), large);
        assertThat(refused).as("no message was refused").isZero();
        largeStored = large;
        return ids;
    }

    static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
