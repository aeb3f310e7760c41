package dev.facteur.admin;

import dev.facteur.delivery.Attempt;
import dev.facteur.delivery.OutgoingMessage;
import dev.facteur.dsn.DsnWriter;
import dev.facteur.message.Envelope;
import dev.facteur.message.Mailbox;
import dev.facteur.message.QueueId;
import dev.facteur.queue.QueueManager;
import dev.facteur.queue.RetryPolicy;
import dev.facteur.spool.Spool;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;

/** The queue the admin tests talk to: what it holds is never delivered, since the queue is not what they look at. */
final class IdleQueue {

    private IdleQueue() {}

    private static final QueueManager.Deliverer NOTHING_DELIVERED = new QueueManager.Deliverer() {
        @Override
        public String destination(Mailbox recipient) {
            return recipient.domainKey();
        }

        @Override
        public List<Attempt> deliver(Envelope envelope, long size, OutgoingMessage.Content content, List<Integer> recipients) {
            return List.of();
        }
    };

    /** A queue over {@code spool}, not started. */
    static QueueManager over(Spool spool, QueueId.Generator ids) {
        return new QueueManager(spool, NOTHING_DELIVERED, new DsnWriter("mx.facteur.test", ZoneOffset.UTC), "mx.facteur.test", ids,
                new RetryPolicy(Duration.ofMinutes(5), Duration.ofHours(1), Duration.ofDays(5), Duration.ZERO), Clock.systemUTC(), 1, 1);
    }
}
