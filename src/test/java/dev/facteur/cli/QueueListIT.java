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
import dev.facteur.spool.LogSpool;
import dev.facteur.spool.Spool;
import dev.facteur.testing.FacteurCli;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code facteur queue list --json} as a script runs it, in its own JVM: stdout is JSON and
 * nothing else, even when reading the spool has something to warn about (a record the running
 * server is still writing looks torn); the warning goes to stderr.
 */
class QueueListIT {

    @TempDir
    Path dir;

    @Test
    void jsonOnStdoutAndWarningsOnStderrWhenTheSpoolIsDamaged() throws Exception {
        Path spoolDir = dir.resolve("data").resolve("spool");
        List<QueueId> ids = new ArrayList<>();
        var generator = new QueueId.Generator();
        try (Spool spool = LogSpool.open(spoolDir)) {
            for (String subject : List.of("one", "two")) {
                QueueId id = generator.next();
                try (Spool.Draft d = spool.draft(id)) {
                    d.content().write(("Subject: " + subject + "\r\n\r\nbody\r\n").getBytes(StandardCharsets.US_ASCII));
                    d.commit(new Envelope(id, Instant.now(), ReversePath.of(new Mailbox("alice", "example.test")),
                            List.of(Recipient.pending(new Mailbox("bob", "example.org"), Notify.DEFAULT, null)), -1,
                            Body.SEVEN_BIT, false, null, null, new ClientInfo("127.0.0.1", "c", "ESMTP", "")));
                }
                ids.add(id);
            }
        }
        Path segment;
        try (Stream<Path> s = Files.list(spoolDir.resolve("segments"))) {
            segment = s.sorted().toList().getLast();
        }
        // damage in the middle: the first message's record no longer matches its checksum
        byte[] bytes = Files.readAllBytes(segment);
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        int at = text.indexOf("Subject: one");
        bytes[at + "Subject: ".length()] = 'O';
        Files.write(segment, bytes);
        Path config = dir.resolve("facteur.toml");
        Files.writeString(config, "data_dir = '" + dir.resolve("data") + "'\n");

        var list = FacteurCli.jvm("queue", "list", "--json", "--config", config.toString());

        assertThat(list.exitCode()).as(list.toString()).isZero();
        JsonNode json = new JsonMapper().readTree(list.stdout());
        assertThat(json.isArray()).as(list.stdout()).isTrue();
        assertThat(json.valueStream().map(m -> m.path("id").asString()).toList())
                .containsExactly(ids.getLast().toString());
        assertThat(list.stderr()).contains("ERROR", "damaged");
    }
}
