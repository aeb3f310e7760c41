package dev.facteur.queue;

import dev.facteur.dsn.DsnReport;
import dev.facteur.history.HistoryEvent;
import dev.facteur.history.HistorySink;
import dev.facteur.history.MessageIdScanner;
import dev.facteur.message.Envelope;
import dev.facteur.message.QueueId;
import dev.facteur.message.Recipient;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;

/**
 * What the queue tells the delivery history (see {@code dev.facteur.history}): the DSNs it
 * queued and the messages that left it, once that is durable; recipients it gave up on without an
 * attempt (expiry, an operator's bounce); operators' deletions; and the mail it writes itself.
 * Attempts are the delivery agent's to tell, and arrivals the SMTP server's.
 */
final class QueueHistory {

    private final HistorySink sink;
    private final Clock clock;

    QueueHistory(HistorySink sink, Clock clock) {
        this.sink = sink;
        this.clock = clock;
    }

    /** A new state is durable, with its DSNs (their queue ids in the order of the state's reports). */
    void recorded(NewState state, List<QueueId> dsns) {
        if (sink == HistorySink.NONE) return;
        Instant now = clock.instant();
        for (int i = 0; i < dsns.size(); i++) {
            DsnReport r = state.dsns().get(i);
            sink.record(new HistoryEvent.Dsn(now, state.id(), dsns.get(i), r.action().field(),
                    r.original().sender().mailbox().map(Object::toString).orElse(""), addresses(r.recipients())));
        }
        if (state.remove()) sink.record(new HistoryEvent.Removed(now, state.id(), "every recipient done"));
    }

    /** Recipients failed for having outlived the message's lifetime; their diagnostic says so. */
    void gaveUp(Envelope e, List<Recipient> expired, Instant now) {
        for (Recipient r : expired) sink.record(new HistoryEvent.GaveUp(now, e.id(), r.address().toString(), r.diagnostic()));
    }

    /** An operator bounced the message: its pending recipients fail, for {@code reason}. */
    void returned(Envelope e, String reason) {
        Instant now = clock.instant();
        for (Recipient r : e.recipients()) if (r.isPending()) sink.record(new HistoryEvent.GaveUp(now, e.id(), r.address().toString(), reason));
    }

    void deleted(QueueId id) {
        sink.record(new HistoryEvent.Removed(clock.instant(), id, "deleted by the administrator"));
    }

    /** Mail of our own (a DMARC or TLS report), queued. */
    void ownMail(Envelope e, long size, byte[] content) {
        if (sink == HistorySink.NONE) return;
        String messageId;
        try {
            messageId = MessageIdScanner.read(new ByteArrayInputStream(content));
        } catch (IOException ex) {
            throw new UncheckedIOException(ex); // cannot happen: bytes in memory
        }
        sink.record(new HistoryEvent.Received(e.arrival(), e.id(), messageId, e.sender().mailbox().map(Object::toString).orElse(""),
                addresses(e.recipients()), size, e.client().address(), "", e.client().helo(), e.client().protocol(),
                e.client().tls(), ""));
    }

    private static List<String> addresses(List<Recipient> rs) {
        return rs.stream().map(r -> r.address().toString()).toList();
    }
}
