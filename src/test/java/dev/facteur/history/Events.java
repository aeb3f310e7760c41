package dev.facteur.history;

import dev.facteur.message.QueueId;
import java.time.Instant;
import java.util.List;

/** Events as the server records them, for the history's tests. */
final class Events {

    private Events() {}

    static QueueId id(String at, int sequence) {
        return new QueueId((Instant.parse(at).toEpochMilli() << 20) | sequence);
    }

    static HistoryEvent.Received received(QueueId id, Instant t, String messageId, String from, String... to) {
        return new HistoryEvent.Received(t, id, messageId, from, List.of(to), 1234, "192.0.2.7", "mail.example.com",
                "mail.example.com", "ESMTPSA", "TLSv1.3 TLS_AES_256_GCM_SHA384", "alice");
    }

    static HistoryEvent.Attempt delivered(QueueId id, Instant t, String rcpt) {
        return new HistoryEvent.Attempt(t, id, rcpt, 1, HistoryEvent.Result.DELIVERED, "mx.example.org[198.51.100.25]:25",
                "TLSv1.3 TLS_AES_256_GCM_SHA384 (policy may, certificate not verified)", "250 2.0.0 Ok: queued as 4XyZ");
    }

    static HistoryEvent.Attempt bounced(QueueId id, Instant t, String rcpt) {
        return new HistoryEvent.Attempt(t, id, rcpt, 1, HistoryEvent.Result.BOUNCED, "mx.example.net[203.0.113.9]:25",
                "none (policy may)", "550 5.1.1 <" + rcpt + ">: Recipient address rejected: User unknown");
    }

    static HistoryEvent.Dsn failureDsn(QueueId id, QueueId dsn, Instant t, String to, String... about) {
        return new HistoryEvent.Dsn(t, id, dsn, "failed", to, List.of(about));
    }

    static HistoryEvent.Removed removed(QueueId id, Instant t) {
        return new HistoryEvent.Removed(t, id, "every recipient done");
    }
}
