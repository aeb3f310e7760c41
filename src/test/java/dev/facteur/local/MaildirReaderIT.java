package dev.facteur.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.message.Mailbox;
import dev.facteur.message.ReversePath;
import dev.facteur.testing.ExternalProcess;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** A real Maildir reader, Python's {@code mailbox.Maildir}, accepts what we deliver and parses it as we meant. */
class MaildirReaderIT {

    @TempDir
    Path dir;

    @Test
    void pythonMailboxReadsOurMaildir() throws Exception {
        var delivery = new MaildirDelivery(dir + "/{domain}/{user}", 0);
        String message = "From: Alice <alice@example.org>\r\nTo: bob@example.net\r\nSubject: Lunch?\r\n\r\n"
                + "Noon at the usual place.\r\n.leading dot stays\r\n";
        byte[] stored = message.getBytes(StandardCharsets.US_ASCII);
        var reply = delivery.deliver(ReversePath.of(new Mailbox("alice", "example.org")),
                new Mailbox("bob", "example.net"), () -> new ByteArrayInputStream(stored));
        assertThat(reply.code()).isEqualTo(250);

        JsonNode messages = ExternalProcess.python("/it/local/read_maildir.py", dir.resolve("example.net/bob").toString());
        assertThat(messages.size()).isEqualTo(1);
        JsonNode m = messages.get(0);
        assertThat(m.get("subdir").asString()).isEqualTo("new");
        assertThat(m.get("subject").asString()).isEqualTo("Lunch?");
        assertThat(m.get("from").asString()).isEqualTo("Alice <alice@example.org>");
        assertThat(m.get("return_path").asString()).isEqualTo("<alice@example.org>");
        assertThat(m.get("delivered_to").asString()).isEqualTo("bob@example.net");
        assertThat(m.get("body").asString()).isEqualTo("Noon at the usual place.\n.leading dot stays\n");
        assertThat(m.get("defects").size()).isZero();
    }
}
