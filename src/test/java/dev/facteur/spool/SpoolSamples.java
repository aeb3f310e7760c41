package dev.facteur.spool;

import dev.facteur.message.Body;
import dev.facteur.message.ClientInfo;
import dev.facteur.message.Envelope;
import dev.facteur.message.Mailbox;
import dev.facteur.message.Notify;
import dev.facteur.message.QueueId;
import dev.facteur.message.Recipient;
import dev.facteur.message.ReversePath;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

/** Messages for spool tests where only their identity and size matter. */
final class SpoolSamples {

    private SpoolSamples() {}

    /** An envelope with one pending recipient and nothing optional. */
    static Envelope envelope(QueueId id) {
        return new Envelope(id, Instant.ofEpochMilli(1_790_000_000_000L), ReversePath.of(new Mailbox("s", "example.org")),
                List.of(Recipient.pending(new Mailbox("r", "example.test"), Notify.DEFAULT, null)),
                -1, Body.SEVEN_BIT, false, null, null, new ClientInfo("127.0.0.1", "client", "ESMTP", ""));
    }

    /** At least {@code length} bytes of a message naming {@code id} on every line, so that a mix-up shows. */
    static byte[] content(QueueId id, int length) {
        var sb = new StringBuilder("Subject: ").append(id).append("\r\n\r\n");
        while (sb.length() < length) sb.append("line of ").append(id).append("\r\n");
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }
}
