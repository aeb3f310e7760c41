package dev.facteur.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.spool.LogSpool;
import dev.facteur.spool.StoredMessage;
import dev.facteur.testing.FacteurCli;
import dev.facteur.testing.Patience;
import dev.facteur.testing.StoredContent;
import dev.facteur.testing.TestConfig;
import dev.facteur.testing.WireClient;
import dev.facteur.testing.WireReply;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
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
class CrashIT {

    private static final int CLIENTS = 20;
    /** Acknowledged messages a round waits for before the kill: the clients are then in full flow. */
    private static final int LOAD = 100;
    private static final int ROUNDS = 2;
    private static final Pattern TOKEN = Pattern.compile("\r\nX-Token: (\\S+)\r\n");

    @TempDir
    Path dir;

    private Path configFile;
    private FacteurCli.Server server;
    private int launches;
    private long largeStored;

    @AfterEach
    void killLeftovers() {
        if (server != null) server.process().close();
    }

    @Test
    void everyAcknowledgedMessageSurvivesSigkillIntactAndNothingIsStoredTwice() throws Exception {
        // port 0: each start listens where the system says, which the server logs
        configFile = TestConfig.in(dir.resolve("data")).writeTo(dir.resolve("facteur.toml"));
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
        server.process().terminate(); // SIGTERM: a graceful stop
        server.process().awaitExit();
        checkSpool(ledger, stored, "after graceful stop");
        assertThat(largeStored).as("some messages took the large-file path").isPositive();
    }

    // ---- the server process ------------------------------------------------------------------

    private void launch() throws IOException {
        server = FacteurCli.serve(configFile, dir.resolve("server-" + ++launches + ".log"));
    }

    private void killWithSigkill() throws InterruptedException {
        long pid = server.process().pid();
        // SIGKILL on Linux: no shutdown hook, no flush, no goodbye
        assertThat(server.process().kill()).as("exit status of a process killed by signal 9").isEqualTo(128 + 9);
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    }

    private InetSocketAddress address() {
        return server.smtp();
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
        final boolean large;
        final byte[] sha256;
        volatile Stage stage = Stage.WRITING;
        volatile String queueId;
        volatile WireReply reply;

        Sent(String token, String sender, byte[] content) {
            this.token = token;
            this.sender = sender;
            this.large = content.length > LARGE;
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

        long acknowledged() {
            return all.stream().filter(s -> s.stage == Stage.ACCEPTED).count();
        }

        long largeAcknowledged() {
            return all.stream().filter(s -> s.stage == Stage.ACCEPTED && s.large).count();
        }

        Map<String, Sent> byToken() {
            Map<String, Sent> m = new HashMap<>();
            for (Sent s : all) assertThat(m.put(s.token, s)).as("tokens are unique").isNull();
            return m;
        }
    }

    /** Over this, the spool keeps a message in a file of its own (large/). */
    private static final int LARGE = 1024 * 1024;

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
                // client 0 starts with a large one, so that every round has one; a few more come later
                byte[] content = message(token, sender, random, n % 4 == 0 && seq % 30 == (n == 0 ? 0 : 3));
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
        } catch (AssertionError e) { // a complete reply other than the one expected: never right, killed or not
            unexpected.add("client " + n + ": " + e.getMessage());
        }
    }

    private List<String> sendUnderLoadThenKill(Ledger ledger, int round) throws InterruptedException {
        long acknowledgedBefore = ledger.acknowledged();
        long largeBefore = ledger.largeAcknowledged();
        AtomicBoolean killed = new AtomicBoolean();
        List<String> unexpected = Collections.synchronizedList(new ArrayList<>());
        List<Thread> clients = new ArrayList<>();
        for (int n = 0; n < CLIENTS; n++) {
            int id = n;
            clients.add(Thread.ofPlatform().name("crash-client-" + n).start(() -> client(id, round, ledger, killed, unexpected)));
        }
        Patience.await("round " + round + ": " + LOAD + " more messages acknowledged, a large one among them")
                .until(() -> ledger.acknowledged() >= acknowledgedBefore + LOAD && ledger.largeAcknowledged() > largeBefore);
        killed.set(true);
        killWithSigkill();
        for (Thread t : clients) {
            t.join(Patience.EVENT);
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
                if (m.size() > LARGE) large++;
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
        System.out.printf("CrashIT %s: %d sent, %d acknowledged, %d refused, %d in flight at a kill (%d of them stored), "
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
