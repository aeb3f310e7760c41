package dev.facteur.dsn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.message.Body;
import dev.facteur.message.ClientInfo;
import dev.facteur.message.Envelope;
import dev.facteur.message.Mailbox;
import dev.facteur.message.Notify;
import dev.facteur.message.QueueId;
import dev.facteur.message.Recipient;
import dev.facteur.message.ReversePath;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the client and the remote server said stays inside the fields of the report that quote it. */
class DsnWriterTest {

    private static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");

    private static String report(String envid, String orcpt) throws IOException {
        var rcpt = new Recipient(new Mailbox("bob", "example.org"), Notify.DEFAULT, orcpt, Recipient.State.FAILED,
                "550 5.1.1 no such user\r\nX-Injected: from the remote server", "mx.example.org");
        var original = new Envelope(new QueueId.Generator().next(), NOW, ReversePath.of(new Mailbox("alice", "example.test")),
                List.of(rcpt), -1, Body.SEVEN_BIT, false, null, envid, new ClientInfo("192.0.2.1", "c.example", "ESMTP", ""));
        var out = new ByteArrayOutputStream();
        new DsnWriter("mx.facteur.test", ZoneOffset.UTC).write(new DsnReport(original, DsnAction.FAILED, List.of(rcpt), NOW, null),
                0, null, NOW, out);
        return out.toString(StandardCharsets.US_ASCII);
    }

    @Test
    void envidAndOrcptCannotAddFieldsToTheDeliveryStatus() throws IOException { // RFC 3464 §2.2.1, §2.3.1
        String dsn = report("q1\rX-Injected: envid", "rfc822;bob@example.org\nX-Injected: orcpt");
        assertThat(dsn.lines()).noneMatch(l -> l.startsWith("X-Injected:"));
        assertThat(dsn).contains("Original-Envelope-Id: q1?X-Injected: envid\r\n",
                "Original-Recipient: rfc822; bob@example.org?X-Injected: orcpt\r\n",
                "Diagnostic-Code: smtp; 550 5.1.1 no such user??X-Injected: from the remote server\r\n");
    }
}
