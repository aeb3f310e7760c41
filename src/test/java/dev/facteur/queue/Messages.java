package dev.facteur.queue;

import dev.facteur.message.Body;
import dev.facteur.message.ClientInfo;
import dev.facteur.message.Envelope;
import dev.facteur.message.Mailbox;
import dev.facteur.message.Notify;
import dev.facteur.message.QueueId;
import dev.facteur.message.Recipient;
import dev.facteur.message.ReversePath;
import dev.facteur.spool.Spool;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Messages put straight into a spool, as the SMTP server would after a 250. */
final class Messages {

    private Messages() {}

    /** A small message from {@code sender} (null: the null reverse-path) to the recipients. */
    static QueueId enqueue(Spool spool, QueueId.Generator ids, Instant arrival, String sender, Notify notify, String... rcpts)
            throws IOException {
        List<Recipient> rs = new ArrayList<>();
        for (String r : rcpts) rs.add(Recipient.pending(mailbox(r), notify, null));
        return enqueue(spool, ids.next(), arrival, sender, rs);
    }

    static QueueId enqueue(Spool spool, QueueId id, Instant arrival, String sender, List<Recipient> rs) throws IOException {
        return enqueue(spool, id, arrival, sender, rs, "body\r\n");
    }

    static QueueId enqueue(Spool spool, QueueId id, Instant arrival, String sender, List<Recipient> rs, String body) throws IOException {
        try (Spool.Draft d = spool.draft(id)) {
            d.content().write(("Subject: hello\r\nFrom: a@example.test\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII));
            d.commit(new Envelope(id, arrival, sender == null ? ReversePath.NULL : ReversePath.of(mailbox(sender)), rs, -1,
                    Body.SEVEN_BIT, false, null, null, new ClientInfo("127.0.0.1", "c", "ESMTP", "")));
        }
        return id;
    }

    static Mailbox mailbox(String s) {
        int at = s.indexOf('@');
        return new Mailbox(s.substring(0, at), s.substring(at + 1));
    }
}
