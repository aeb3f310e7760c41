package dev.facteur.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.message.Body;
import dev.facteur.message.ClientInfo;
import dev.facteur.message.Envelope;
import dev.facteur.message.Mailbox;
import dev.facteur.message.Notify;
import dev.facteur.message.QueueId;
import dev.facteur.message.Recipient;
import dev.facteur.message.ReversePath;
import dev.facteur.message.Schedule;
import dev.facteur.spool.LogSpool;
import dev.facteur.spool.Spool;
import dev.facteur.testing.FacteurCli;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code facteur queue list}: every queued message once, oldest first, with its recipients and
 * their states; the text and the JSON say the same; the spool is only read.
 */
class QueueListTest {

    @TempDir
    Path dir;
    Path config;
    /** What the queue holds, by id (oldest first), as written. */
    final Map<QueueId, Envelope> queued = new TreeMap<>();

    @BeforeEach
    void fill() throws Exception {
        config = dir.resolve("facteur.toml");
        Files.writeString(config, "data_dir = '" + dir.resolve("data") + "'\n");
        var ids = new QueueId.Generator();
        Instant t = Instant.parse("2026-11-30T10:00:00Z");
        try (Spool spool = LogSpool.open(dir.resolve("data").resolve("spool"))) {
            for (int k = 0; k < 60; k++) {
                QueueId id = ids.next();
                List<Recipient> rs = new ArrayList<>();
                for (int i = 0; i <= k % 3; i++) rs.add(Recipient.pending(new Mailbox("to" + k + "-" + i, "example.org"), Notify.DEFAULT, null));
                ReversePath sender = k % 10 == 3 ? ReversePath.NULL : ReversePath.of(new Mailbox("from" + k, "example.com"));
                Envelope e = new Envelope(id, t.plusSeconds(k), sender, rs, -1, Body.SEVEN_BIT, false, null, null,
                        new ClientInfo("192.0.2.1", "client.example.com", "ESMTP", ""));
                try (Spool.Draft d = spool.draft(id)) {
                    d.content().write(("Subject: " + k + "\r\n\r\nbody\r\n").getBytes(StandardCharsets.US_ASCII));
                    d.commit(e);
                }
                if (k % 4 == 1) { // tried: the first recipient delivered when there are several, the rest deferred
                    List<Recipient> after = new ArrayList<>();
                    for (int i = 0; i < rs.size(); i++) {
                        after.add(i == 0 && rs.size() > 1 ? rs.get(i).after(Recipient.State.DELIVERED, "250 2.0.0 ok", "mx.example.org")
                                : rs.get(i).after(Recipient.State.PENDING, "451 4.7.1 greylisted " + k, "mx.example.org"));
                    }
                    e = e.withRecipients(after).withSchedule(new Schedule(1, t.plusSeconds(3600 + k), false, false));
                    spool.update(e);
                }
                if (k % 9 == 2) {
                    e = e.withSchedule(e.schedule().withHeld(true));
                    spool.update(e);
                }
                if (k % 11 == 5) {
                    spool.remove(id);
                    continue;
                }
                queued.put(id, e);
            }
        }
    }

    @Test
    void everyMessageOnceOldestFirstWithItsRecipientsAndStates() {
        var list = FacteurCli.run("queue", "list", "--config", config.toString());

        assertThat(list.exitCode()).as(list.toString()).isZero();
        List<String> lines = list.stdout().lines().toList();
        assertThat(lines.getFirst()).startsWith("QUEUE ID").contains("SIZE", "ARRIVAL", "SENDER / RECIPIENTS");
        assertThat(lines.getLast()).startsWith("-- " + queued.size() + " messages, ");
        assertThat(messagesOf(lines)).isEqualTo(expected());
    }

    @Test
    void aMessageLineSaysHeldAttemptsAndTheNextAttempt() {
        var list = FacteurCli.run("queue", "list", "--config", config.toString());

        for (Envelope e : queued.values()) {
            String line = list.stdout().lines().filter(l -> l.startsWith(e.id().toString())).findFirst().orElseThrow();
            assertThat(line).contains("<" + e.sender() + ">");
            assertThat(line.contains("  HELD")).as(line).isEqualTo(e.schedule().held());
            assertThat(line.contains("  attempts=" + e.schedule().attempts())).as(line).isEqualTo(e.schedule().attempts() > 0);
            assertThat(line.contains("  next=")).as(line).isEqualTo(e.schedule().nextAttempt() != null && !e.schedule().held());
        }
    }

    @Test
    void theJsonSaysWhatTheTextSays() {
        var text = FacteurCli.run("queue", "list", "--config", config.toString());
        var json = FacteurCli.run("queue", "list", "--json", "--config", config.toString());

        assertThat(json.exitCode()).as(json.toString()).isZero();
        JsonNode array = new JsonMapper().readTree(json.stdout());
        Map<String, List<String>> fromJson = new LinkedHashMap<>();
        for (JsonNode m : array) {
            List<String> rs = new ArrayList<>();
            for (JsonNode r : m.get("recipients")) rs.add(r.get("address").asString() + " (" + r.get("state").asString() + ")");
            fromJson.put(m.get("id").asString(), rs);
            Envelope e = queued.get(QueueId.parse(m.get("id").asString()));
            assertThat(m.get("held").asBoolean()).isEqualTo(e.schedule().held());
            assertThat(m.get("attempts").asInt()).isEqualTo(e.schedule().attempts());
            assertThat(m.get("sender").asString()).isEqualTo(e.sender().toString());
        }
        assertThat(fromJson).isEqualTo(messagesOf(text.stdout().lines().toList()));
        assertThat(new ArrayList<>(fromJson.keySet())).isEqualTo(new ArrayList<>(expected().keySet()));
    }

    @Test
    void anEmptyQueueSaysSoAndItsJsonIsAnEmptyArray() throws Exception {
        Path empty = dir.resolve("empty.toml");
        Files.writeString(empty, "data_dir = '" + dir.resolve("none") + "'\n");
        try (Spool spool = LogSpool.open(dir.resolve("none").resolve("spool"))) {
            assertThat(spool.messages()).isEmpty();
        }

        assertThat(FacteurCli.run("queue", "list", "--config", empty.toString()).stdout()).isEqualTo("Mail queue is empty" + System.lineSeparator());
        assertThat(new JsonMapper().readTree(FacteurCli.run("queue", "list", "--json", "--config", empty.toString()).stdout()).size()).isZero();
    }

    @Test
    void listingWritesNothingInTheSpoolEvenWhileTheServerHoldsIt() throws Exception {
        Path spoolDir = dir.resolve("data").resolve("spool");
        try (Spool running = LogSpool.open(spoolDir)) { // the server's lock is taken
            List<String> during = snapshot(spoolDir);
            var list = FacteurCli.run("queue", "list", "--config", config.toString());
            var json = FacteurCli.run("queue", "list", "--json", "--config", config.toString());

            assertThat(list.exitCode()).as(list.toString()).isZero();
            assertThat(json.exitCode()).as(json.toString()).isZero();
            assertThat(snapshot(spoolDir)).isEqualTo(during);
        }
    }

    /** The recipients of each message as the text lists them ("address (state)"), by queue id in order. */
    private static Map<String, List<String>> messagesOf(List<String> lines) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        List<String> current = null;
        for (String line : lines.subList(1, lines.size() - 1)) {
            if (!line.startsWith(" ")) {
                String id = line.substring(0, 13);
                assertThat(out).as("listed twice: " + id).doesNotContainKey(id);
                current = new ArrayList<>();
                out.put(id, current);
            } else if (!line.strip().startsWith("last error: ")) {
                current.add(line.strip());
            }
        }
        return out;
    }

    private Map<String, List<String>> expected() {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (Envelope e : queued.values()) {
            List<String> rs = new ArrayList<>();
            for (Recipient r : e.recipients()) {
                String state = r.state() == Recipient.State.DELIVERED ? "delivered" : r.diagnostic() != null ? "deferred" : "pending";
                rs.add(r.address() + " (" + state + ")");
            }
            out.put(e.id().toString(), rs);
        }
        return out;
    }

    /** Every file under {@code dir} with its size and modification time. */
    private static List<String> snapshot(Path dir) throws Exception {
        try (Stream<Path> s = Files.walk(dir)) {
            List<String> out = new ArrayList<>();
            for (Path p : s.sorted().toList()) {
                out.add(dir.relativize(p) + " " + (Files.isRegularFile(p) ? Files.size(p) + " " + Files.getLastModifiedTime(p) : "dir"));
            }
            return out;
        }
    }
}
