package dev.facteur.delivery;

import dev.facteur.message.Envelope;
import dev.facteur.message.Recipient;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * One message to hand to one server: the envelope (sender and ESMTP parameters), the
 * recipients for that server, and a way to read the content as stored (CRLF lines, not
 * dot-stuffed).
 */
public record OutgoingMessage(Envelope envelope, List<Recipient> recipients, long size, Content content) {

    public OutgoingMessage {
        recipients = List.copyOf(recipients);
    }

    @FunctionalInterface
    public interface Content {
        InputStream open() throws IOException;
    }
}
