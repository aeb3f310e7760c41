package dev.facteur.queue;

import dev.facteur.dsn.DsnReport;
import dev.facteur.message.Envelope;
import dev.facteur.message.QueueId;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What the spool must hold after an attempt, or after one destination of it: the message's new
 * envelope, or its removal once every recipient is done, and the DSNs this change causes. They
 * are committed as one, so a crash can neither lose such a DSN nor send it twice.
 *
 * @param retryAt when to try the message next, or null: removed, held, or its round goes on
 */
record NewState(Envelope envelope, boolean remove, List<DsnReport> dsns, Instant retryAt) {

    NewState {
        dsns = List.copyOf(dsns);
    }

    QueueId id() {
        return envelope.id();
    }

    /** This state followed by a later one of the same message: the later state, with the DSNs of both. */
    NewState then(NewState later) {
        List<DsnReport> all = new ArrayList<>(dsns);
        all.addAll(later.dsns);
        return new NewState(later.envelope, later.remove, all, later.retryAt);
    }
}
