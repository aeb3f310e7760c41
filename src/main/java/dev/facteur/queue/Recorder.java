package dev.facteur.queue;

import dev.facteur.dsn.DsnReport;
import dev.facteur.message.QueueId;
import dev.facteur.spool.Spool;
import dev.facteur.spool.Spool.Change;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the outcomes of attempts durable: each {@link NewState} and its DSNs in one
 * {@link Spool#commit}. When the spool cannot write (a full or failing disk: any IOException), the
 * state is kept here instead: the message counts as done for now and is not tried again, since an
 * outcome the spool does not hold would be repeated by the next attempt — a second delivery, a
 * second DSN. Delivery pauses while anything is kept; {@link #retry} tries the kept states again,
 * with back-off, and delivery resumes once all of them are recorded.
 */
final class Recorder {

    private static final Logger log = LoggerFactory.getLogger("facteur.queue");
    static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    static final Duration LAST_RETRY = Duration.ofMinutes(1);

    /** Told of each state once it is durable, with the queue ids of its DSNs (in the order of its reports). */
    @FunctionalInterface
    interface Listener {
        void recorded(NewState state, List<QueueId> dsns);
    }

    private final Spool spool;
    private final Notifier notifier;
    private final Clock clock;
    private final Listener listener;
    // guarded by this
    private final Map<QueueId, NewState> kept = new LinkedHashMap<>();
    private Instant pausedSince;
    private Instant nextRetry;
    private Duration backOff = FIRST_RETRY;
    private int keptDuringPause;

    Recorder(Spool spool, Notifier notifier, Clock clock, Listener listener) {
        this.spool = spool;
        this.notifier = notifier;
        this.clock = clock;
        this.listener = listener;
    }

    /**
     * Records the state, or keeps it when the spool cannot write. A message has one attempt at a
     * time and none while its state is kept, so a kept state is never overtaken by a later one
     * written directly; should one come, it joins the kept one.
     */
    void record(NewState state) {
        synchronized (this) {
            NewState earlier = kept.get(state.id());
            if (earlier != null) {
                kept.put(state.id(), earlier.then(state));
                return;
            }
        }
        List<QueueId> dsns;
        try {
            dsns = commit(state);
        } catch (IOException e) {
            keep(state, e);
            return;
        } catch (UncheckedIOException e) {
            keep(state, e.getCause());
            return;
        }
        listener.recorded(state, dsns);
    }

    /** Whether delivery must wait: the spool holds fewer outcomes than have happened. */
    synchronized boolean paused() {
        return !kept.isEmpty();
    }

    /** Whether this message's latest outcome is only in memory. */
    synchronized boolean keeps(QueueId id) {
        return kept.containsKey(id);
    }

    synchronized int kept() {
        return kept.size();
    }

    /** When {@link #retry} is next worth calling (while paused). */
    synchronized Instant nextRetry() {
        return nextRetry;
    }

    /**
     * Records the kept states, oldest first, stopping at the first failure, after which the next
     * retry is due a back-off after {@code now}. True when none is left.
     */
    boolean retry(Instant now) {
        List<NewState> todo;
        synchronized (this) {
            todo = List.copyOf(kept.values());
        }
        for (NewState s : todo) {
            List<QueueId> dsns;
            try {
                dsns = commit(s);
            } catch (IOException | UncheckedIOException e) {
                synchronized (this) {
                    backOff = backOff.multipliedBy(2).compareTo(LAST_RETRY) > 0 ? LAST_RETRY : backOff.multipliedBy(2);
                    nextRetry = now.plus(backOff);
                    log.debug("spool still cannot record ({} outcomes kept): {}", kept.size(), e.toString());
                }
                return false;
            }
            synchronized (this) {
                kept.remove(s.id());
            }
            listener.recorded(s, dsns);
        }
        synchronized (this) {
            if (!kept.isEmpty()) return false;
            if (pausedSince != null) {
                log.warn("spool writable again: {} delivery outcome{} recorded after {} s; delivery resumes", keptDuringPause,
                        keptDuringPause == 1 ? "" : "s", Duration.between(pausedSince, now).toSeconds());
                pausedSince = null;
                keptDuringPause = 0;
                backOff = FIRST_RETRY;
            }
            return true;
        }
    }

    private synchronized void keep(NewState state, IOException e) {
        kept.put(state.id(), state);
        keptDuringPause++;
        if (pausedSince == null) {
            pausedSince = clock.instant();
            nextRetry = pausedSince.plus(backOff);
            log.error("spool cannot record delivery outcomes ({}): delivery paused; outcomes are kept in memory and their "
                    + "messages are not tried again until recorded", e.toString());
        } else {
            log.debug("{}: outcome kept in memory: {}", state.id(), e.toString());
        }
    }

    /** The DSN drafts first, then the message's new state; one commit; the drafts closed whatever happens. */
    private List<QueueId> commit(NewState state) throws IOException {
        List<Change.Add> adds = new ArrayList<>();
        try {
            for (DsnReport r : state.dsns()) adds.add(notifier.prepare(r));
            List<Change> changes = new ArrayList<>(adds);
            changes.add(state.remove() ? new Change.Remove(state.id()) : new Change.Update(state.envelope()));
            spool.commit(changes);
            return adds.stream().map(a -> a.envelope().id()).toList();
        } finally {
            for (Change.Add a : adds) a.draft().close();
        }
    }
}
