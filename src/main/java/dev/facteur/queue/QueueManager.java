package dev.facteur.queue;

import dev.facteur.delivery.Attempt;
import dev.facteur.delivery.DeliveryAgent;
import dev.facteur.delivery.OutgoingMessage;
import dev.facteur.delivery.Outcome;
import dev.facteur.dsn.DsnWriter;
import dev.facteur.events.EventSink;
import dev.facteur.history.HistorySink;
import dev.facteur.message.Envelope;
import dev.facteur.message.Mailbox;
import dev.facteur.message.QueueId;
import dev.facteur.message.Recipient;
import dev.facteur.spool.Spool;
import dev.facteur.spool.StoredMessage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the queue: takes messages when they are due, has their recipients delivered destination
 * by destination as the {@link Scheduler} hands out slots, records what happened ({@link Round},
 * {@link Recorder}), retries with back-off, gives up after the lifetime, and tells senders
 * (DSNs). Message content never enters memory here; only envelopes do.
 */
public final class QueueManager implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger("facteur.queue");

    /** Delivers messages: {@link DeliveryAgent} in production, a fake in tests. */
    public interface Deliverer {
        /** The destination (a domain, or a relay) a recipient's mail goes to; no DNS. */
        String destination(Mailbox recipient);

        /** One attempt for these recipients (indexes into the envelope's list), all of one destination. */
        List<Attempt> deliver(Envelope envelope, long size, OutgoingMessage.Content content, List<Integer> recipients);
    }

    /** At most this many messages wait for destinations at once; the others stay in the due queue until there is room. */
    static final int MAX_ACTIVE = 100_000;
    private static final Duration MAX_IDLE = Duration.ofSeconds(1);
    private static final Duration COMMAND_PATIENCE = Duration.ofSeconds(30);

    private final Spool spool;
    private final Deliverer deliverer;
    private final Recorder recorder;
    private final OwnMail ownMail;
    private final RetryPolicy policy;
    private final Clock clock;
    private final OutcomeEvents events;
    private final QueueHistory history;
    private final DueQueue due = new DueQueue();
    private final Object lock = new Object();
    // guarded by lock
    private final Scheduler scheduler;
    private final Map<QueueId, Round> active = new HashMap<>(); // in the scheduler: waiting or under way
    private final Set<QueueId> commanded = new HashSet<>(); // an operator command is at work on it
    private boolean wake;
    private volatile boolean running;
    private boolean closed;
    private Thread dispatcher;

    public QueueManager(Spool spool, Deliverer deliverer, DsnWriter dsnWriter, String hostname, QueueId.Generator ids,
            RetryPolicy policy, Clock clock, int maxParallel, int maxPerDestination) {
        this(spool, deliverer, dsnWriter, OwnMailSigner.NONE, hostname, ids, policy, clock, maxParallel, maxPerDestination);
    }

    /** @param signer signs the DSNs, as the mail of the domain of {@code hostname} is signed */
    public QueueManager(Spool spool, Deliverer deliverer, DsnWriter dsnWriter, OwnMailSigner signer, String hostname,
            QueueId.Generator ids, RetryPolicy policy, Clock clock, int maxParallel, int maxPerDestination) {
        this(spool, deliverer, dsnWriter, signer, hostname, ids, policy, clock, maxParallel, maxPerDestination, EventSink.NONE);
    }

    /** @param events where each attempt's outcomes go as events for the application */
    public QueueManager(Spool spool, Deliverer deliverer, DsnWriter dsnWriter, OwnMailSigner signer, String hostname,
            QueueId.Generator ids, RetryPolicy policy, Clock clock, int maxParallel, int maxPerDestination, EventSink events) {
        this(spool, deliverer, dsnWriter, signer, hostname, ids, policy, clock, maxParallel, maxPerDestination, events, HistorySink.NONE);
    }

    /** @param history where the DSNs queued, the messages removed and the recipients given up on go, for {@code facteur trace} */
    public QueueManager(Spool spool, Deliverer deliverer, DsnWriter dsnWriter, OwnMailSigner signer, String hostname,
            QueueId.Generator ids, RetryPolicy policy, Clock clock, int maxParallel, int maxPerDestination, EventSink events,
            HistorySink history) {
        this.events = new OutcomeEvents(events);
        this.history = new QueueHistory(history, clock);
        this.spool = spool;
        this.deliverer = deliverer;
        this.recorder = new Recorder(spool, new Notifier(spool, dsnWriter, signer, hostname, ids, clock), clock, this::recorded);
        this.ownMail = new OwnMail(spool, signer, hostname, ids, clock);
        this.policy = policy;
        this.clock = clock;
        this.scheduler = new Scheduler(maxParallel, maxPerDestination);
    }

    /** Schedules everything already in the spool at its recorded time, then starts dispatching. */
    public void start() {
        int n = 0;
        for (StoredMessage m : spool.messages()) {
            var s = m.envelope().schedule();
            if (s.held() || m.envelope().isComplete()) continue;
            due.schedule(m.envelope().id(), s.nextAttempt() == null ? clock.instant() : s.nextAttempt());
            n++;
        }
        running = true;
        dispatcher = Thread.ofPlatform().name("queue-dispatcher").daemon().start(this::dispatch);
        log.info("queue manager started: {} messages scheduled", n);
    }

    /** A message has just been committed: try it at once. */
    public void submitted(QueueId id) {
        startNow(id);
    }

    /**
     * Queues a message Facteur wrote itself (a DMARC aggregate report): signed as DSNs are, from
     * {@code sender} to {@code recipient} with NOTIFY=NEVER, and tried at once. Returns once it is
     * in the spool.
     *
     * @param content the whole message, header and body, CRLF line ends
     * @throws IOException when the spool cannot take it (nothing of it is kept)
     */
    public QueueId submit(Mailbox sender, Mailbox recipient, byte[] content) throws IOException {
        Envelope e = ownMail.write(sender, recipient, content);
        history.ownMail(e, spool.find(e.id()).map(StoredMessage::size).orElse((long) content.length), content);
        log.info("{}: from=<{}> to=<{}> size={} queued (mail of our own)", e.id(), sender, recipient, content.length);
        startNow(e.id());
        return e.id();
    }

    /**
     * A new message (just received, or a DSN just queued) starts on the caller's thread when it
     * can: waking the dispatcher for each message would cost a thread hand-off per message.
     */
    private void startNow(QueueId id) {
        Instant now = clock.instant();
        boolean here;
        synchronized (lock) {
            here = running && !recorder.paused() && active.size() < MAX_ACTIVE;
        }
        if (!here) {
            dueAt(id, now);
            return;
        }
        activate(id, now);
        startDeliveries();
    }

    /** Messages waiting for their due time. */
    public int scheduled() {
        return due.size();
    }

    private void dueAt(QueueId id, Instant at) {
        due.schedule(id, at);
        signal();
    }

    private void signal() {
        synchronized (lock) {
            wake = true;
            lock.notifyAll();
        }
    }

    // ---- dispatching ------------------------------------------------------------------------

    private void dispatch() {
        while (running) {
            try {
                Duration idle = pass();
                synchronized (lock) {
                    if (!wake && running) lock.wait(Math.max(1, idle.toMillis()));
                    wake = false;
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.error("queue dispatcher error", e);
                try {
                    Thread.sleep(MAX_IDLE);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    /** One look at the queue: record what waits to be recorded, take what is due, start what may start. */
    private Duration pass() {
        Instant now = clock.instant();
        if (recorder.paused()) {
            if (!now.isBefore(recorder.nextRetry())) retryRecords(now);
            if (recorder.paused()) return shorter(Duration.between(now, recorder.nextRetry()));
        }
        int room;
        synchronized (lock) {
            room = MAX_ACTIVE - active.size();
        }
        for (QueueId id : due.takeDue(now, Math.max(0, room))) activate(id, now);
        startDeliveries();
        Instant next = due.next();
        Duration idle = room <= 0 || next == null ? MAX_IDLE : shorter(Duration.between(now, next));
        Long pauseEnd;
        synchronized (lock) {
            pauseEnd = scheduler.nextPauseEnd();
        }
        // a pause already over waits for a free slot, whose end starts deliveries: no reason to wake for it
        if (pauseEnd != null && pauseEnd - System.nanoTime() > 0) {
            Duration untilPauseEnd = Duration.ofNanos(pauseEnd - System.nanoTime());
            if (untilPauseEnd.compareTo(idle) < 0) idle = untilPauseEnd;
        }
        return idle;
    }

    private static Duration shorter(Duration d) {
        return d.compareTo(MAX_IDLE) > 0 ? MAX_IDLE : d;
    }

    /** Whether delivery waits for the spool to record outcomes kept in memory. */
    boolean paused() {
        return recorder.paused();
    }

    /** Tries the outcomes kept in memory again; delivery resumes once all are recorded. */
    boolean retryRecords() {
        return retryRecords(clock.instant());
    }

    private boolean retryRecords(Instant now) {
        boolean all = recorder.retry(now);
        if (all) signal();
        return all;
    }

    /** The message waits for the destinations of its pending recipients; it holds no slot yet. */
    private void activate(QueueId id, Instant now) {
        synchronized (lock) {
            if (commanded.contains(id)) {
                due.schedule(id, now.plusSeconds(1)); // an operator command holds it right now
                return;
            }
            Round round;
            try {
                round = open(id);
            } catch (RuntimeException e) { // the transport map failed us: try later rather than forget the message
                log.error("{}: cannot schedule: {}", id, e.toString());
                due.schedule(id, now.plus(policy.initial()));
                return;
            }
            if (round == null) return;
            active.put(id, round);
            scheduler.add(id, round.destinations(), System.nanoTime());
        }
    }

    /**
     * A new round for the message, or null when it has nothing to try: gone, held, done, in a
     * round already, or its last outcome is still in memory (it is scheduled once recorded).
     * Called with the lock held, so that no command changes the message meanwhile.
     */
    private Round open(QueueId id) {
        if (active.containsKey(id) || recorder.keeps(id)) return null;
        Optional<StoredMessage> found = spool.find(id);
        if (found.isEmpty()) return null;
        Envelope env = found.get().envelope();
        if (env.schedule().held() || env.isComplete()) return null;
        Map<String, List<Integer>> parts = new LinkedHashMap<>();
        List<Recipient> rs = env.recipients();
        for (int i = 0; i < rs.size(); i++) {
            if (rs.get(i).isPending()) parts.computeIfAbsent(deliverer.destination(rs.get(i).address()), k -> new ArrayList<>()).add(i);
        }
        return new Round(found.get(), parts);
    }

    private void startDeliveries() {
        while (true) {
            Scheduler.Job job;
            Round round;
            synchronized (lock) {
                if (!running || recorder.paused()) return;
                job = scheduler.next();
                if (job == null) return;
                round = active.get(job.message());
            }
            Thread.ofVirtual().name("deliver-" + job.message()).start(() -> deliver(job, round));
        }
    }

    private void deliver(Scheduler.Job job, Round round) {
        Instant postponed = null;
        try {
            List<Attempt> attempts = tryDestination(round, job.destination());
            postponed = postponed(round, attempts);
            // held back, the servers said nothing of their pace; and the destination's slot must not go to
            // its next message before the pause is set (it would only be held back too)
            if (postponed == null) answered(job, attempts);
            if (postponed != null) recordTried(round, attempts);
            else record(round, attempts, job.last());
        } catch (RuntimeException e) {
            log.error("{}: delivery to {} failed", job.message(), job.destination(), e);
            if (job.last()) dueAt(job.message(), clock.instant().plus(policy.initial()));
        } finally {
            boolean wasFull;
            synchronized (lock) {
                wasFull = active.size() >= MAX_ACTIVE;
                if (postponed != null) {
                    long wait = Math.max(0, Duration.between(clock.instant(), postponed).toNanos());
                    scheduler.postpone(job, System.nanoTime() + wait);
                } else {
                    scheduler.done(job);
                    if (job.last()) active.remove(job.message());
                }
            }
            if (postponed != null) signal(); // the dispatcher wakes at the pause's end
            if (wasFull) signal(); // room again for messages the dispatcher left due
            startDeliveries(); // the slot just freed goes on here, with no hand-off to the dispatcher
        }
    }

    /**
     * The servers have answered: the destination's slot is free for its next message while this
     * one's outcome is being made durable (a disk sync is no business of the destination's), and
     * the time they took goes to the destination's limit.
     */
    private void answered(Scheduler.Job job, List<Attempt> attempts) {
        long answer = -1;
        for (Attempt a : attempts) {
            if (a.answerTime() != null) answer = Math.max(answer, a.answerTime().toNanos());
        }
        ConcurrencyLimit.Change change;
        synchronized (lock) {
            change = scheduler.answered(job, answer, System.nanoTime());
        }
        if (change != null && log.isDebugEnabled())
            log.debug("destination {}: {} deliveries at once, was {} (servers answered in {} ms on average; {} ms at the baseline)",
                    job.destination(), change.to(), change.from(), String.format(Locale.ROOT, "%.2f", change.meanMillis()),
                    String.format(Locale.ROOT, "%.2f", change.baselineMillis()));
        startDeliveries();
    }

    /**
     * When traffic shaping lets the destination have the recipients it held back, or null when
     * it held none back, or when the message has outlived its lifetime (it then ends its round as
     * usual, and expires).
     */
    private Instant postponed(Round round, List<Attempt> attempts) {
        Instant until = null;
        for (Attempt a : attempts) {
            if (a.outcome() instanceof Outcome.Postponed p && (until == null || p.until().isAfter(until))) until = p.until();
        }
        if (until == null) return null;
        if (!clock.instant().isBefore(round.envelope().arrival().plus(policy.lifetime()))) return null;
        return until;
    }

    /** The outcomes of a postponed delivery's recipients that were tried, recorded; the others wait, untouched. */
    private void recordTried(Round round, List<Attempt> attempts) {
        List<Attempt> tried = attempts.stream().filter(a -> !(a.outcome() instanceof Outcome.Postponed)).toList();
        if (tried.isEmpty()) return;
        Instant now = clock.instant();
        events.attempted(round.envelope(), tried, now);
        round.apply(tried, now);
        NewState state = round.interim(now);
        if (state != null) recorder.record(state);
    }

    /** One attempt for the recipients of one destination. */
    private List<Attempt> tryDestination(Round round, String destination) {
        QueueId id = round.envelope().id();
        try {
            // pending ones only: a postponed delivery comes back for the recipients it had not settled
            List<Integer> pending = round.recipients(destination).stream().filter(i -> round.envelope().recipients().get(i).isPending()).toList();
            if (pending.isEmpty()) return List.of();
            return deliverer.deliver(round.envelope(), round.size(), () -> spool.openContent(id), pending);
        } catch (RuntimeException e) {
            log.error("{}: delivery to {} failed: {}", id, destination, e.toString());
            return List.of();
        }
    }

    /** The outcomes of one attempt, recorded before anything else happens to the message. */
    private void record(Round round, List<Attempt> attempts, boolean last) {
        Instant now = clock.instant();
        events.attempted(round.envelope(), attempts, now);
        round.apply(attempts, now);
        NewState state = last ? round.end(now, policy) : round.interim(now);
        if (last) events.expired(round.envelope(), round.expired(), now);
        if (last) history.gaveUp(round.envelope(), round.expired(), now);
        if (state != null) recorder.record(state);
    }

    /** A new state is durable: its DSNs go out, the message's next attempt is scheduled. */
    private void recorded(NewState state, List<QueueId> dsns) {
        history.recorded(state, dsns); // before the DSNs start: a DSN's own attempts come after the DSN event
        for (int i = 0; i < dsns.size(); i++) {
            var report = state.dsns().get(i);
            log.info("{}: sender notification {} queued (action={}, recipients={})", state.id(), dsns.get(i),
                    report.action().field(), report.recipients().size());
            startNow(dsns.get(i));
        }
        if (state.retryAt() != null) dueAt(state.id(), state.retryAt());
        if (!state.remove() && state.envelope().schedule().held()) {
            if (state.envelope().sender().isNull())
                log.warn("{}: bounce from <> could not be delivered; held in the queue for the postmaster", state.id());
            else
                log.info("{}: on hold (transport map); release with: facteur queue release {}", state.id(), state.id());
        }
    }

    /** One whole round for one message, now, on this thread, without the scheduler's limits (for tests). */
    void process(QueueId id) {
        Round round;
        synchronized (lock) {
            if (commanded.contains(id)) return;
            round = open(id);
            if (round == null) return;
            active.put(id, round);
        }
        try {
            List<String> destinations = List.copyOf(round.destinations());
            for (int i = 0; i < destinations.size(); i++)
                record(round, tryDestination(round, destinations.get(i)), i == destinations.size() - 1);
        } finally {
            synchronized (lock) {
                active.remove(id);
            }
        }
    }

    // ---- operator commands ------------------------------------------------------------------

    /** The result of an operator command, as printed by the CLI. */
    public record CommandResult(boolean ok, String message) {}

    /**
     * Runs a command on a message no attempt is busy with. A message waiting for its
     * destinations is taken out of their lists; if part of its round was attempted, that round
     * ends first (its outcomes recorded, its DSNs sent), except for a delete.
     */
    private CommandResult withMessage(QueueId id, String verb, Function<StoredMessage, String> action) {
        long deadline = System.nanoTime() + COMMAND_PATIENCE.toNanos();
        Round interrupted;
        while (true) {
            synchronized (lock) {
                if (recorder.keeps(id))
                    return new CommandResult(false, id + ": its last outcome is not recorded yet (the spool cannot write); try again later");
                if (!commanded.contains(id) && !scheduler.isUnderWay(id)) {
                    interrupted = active.remove(id);
                    if (interrupted != null) scheduler.remove(id);
                    commanded.add(id);
                    break;
                }
            }
            if (System.nanoTime() > deadline) return new CommandResult(false, id + ": busy (being delivered), try again");
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new CommandResult(false, "interrupted");
            }
        }
        try {
            if (interrupted != null && interrupted.attempted() && !verb.equals("deleted")) {
                recorder.record(interrupted.end(clock.instant(), policy));
                if (recorder.keeps(id)) return new CommandResult(false, id + ": could not record its outcome (the spool cannot write)");
            }
            Optional<StoredMessage> m = spool.find(id);
            if (m.isEmpty()) return new CommandResult(false, id + ": no such message in the queue");
            String said = action.apply(m.get());
            log.info("{}: {} by the administrator", id, verb);
            return new CommandResult(true, said);
        } catch (UncheckedIOException e) {
            return new CommandResult(false, id + ": not " + verb + ": " + e.getCause().getMessage());
        } finally {
            synchronized (lock) {
                commanded.remove(id);
            }
            signal();
        }
    }

    public CommandResult flush(QueueId id) {
        synchronized (lock) {
            if (active.containsKey(id)) return new CommandResult(true, id + ": being delivered now");
        }
        return withMessage(id, "flushed", m -> {
            if (m.envelope().schedule().held()) return id + ": held; release it first";
            due.schedule(id, clock.instant());
            return id + ": scheduled for delivery now";
        });
    }

    /** Flushes every message, or those with pending recipients in {@code domain}. */
    public CommandResult flushAll(String domain) {
        int n = 0;
        for (StoredMessage m : spool.messages()) {
            Envelope e = m.envelope();
            if (e.schedule().held() || e.isComplete()) continue;
            if (domain != null && e.recipients().stream().noneMatch(r -> r.isPending()
                    && r.address().domainKey().equals(domain.toLowerCase(Locale.ROOT)))) continue;
            due.schedule(e.id(), clock.instant());
            n++;
        }
        signal();
        log.info("flush{} by the administrator: {} messages", domain == null ? "" : " of " + domain, n);
        return new CommandResult(true, n + " message" + (n == 1 ? "" : "s") + " scheduled for delivery now");
    }

    public CommandResult hold(QueueId id) {
        return withMessage(id, "held", m -> {
            update(m.envelope().withSchedule(m.envelope().schedule().withHeld(true)));
            due.cancel(id);
            return id + ": held (no delivery until released)";
        });
    }

    /**
     * Releases a held message. A bounce held because it could not be delivered gets its
     * recipients back: nobody was told of that failure, so it is simply tried again.
     */
    public CommandResult release(QueueId id) {
        return withMessage(id, "released", m -> {
            Envelope e = m.envelope();
            if (e.sender().isNull())
                e = e.withRecipients(e.recipients().stream()
                        .map(r -> r.state() == Recipient.State.FAILED ? r.withState(Recipient.State.PENDING) : r).toList());
            update(e.withSchedule(e.schedule().withHeld(false).dueNow()));
            due.schedule(id, clock.instant());
            return id + ": released, scheduled for delivery now";
        });
    }

    public CommandResult delete(QueueId id) {
        return withMessage(id, "deleted", m -> {
            try {
                spool.remove(id);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            due.cancel(id);
            history.deleted(id);
            return id + ": deleted (no notification sent)";
        });
    }

    /** Fails every pending recipient now, sending the usual DSN. */
    public CommandResult bounce(QueueId id) {
        return withMessage(id, "bounced", m -> {
            Round round = new Round(m, Map.of());
            long pending = m.envelope().recipients().stream().filter(Recipient::isPending).count();
            String reason = "550 5.0.0 Message returned to sender by the mail administrator";
            round.failPending(reason);
            history.returned(m.envelope(), reason);
            recorder.record(round.end(clock.instant(), policy));
            if (recorder.keeps(id)) throw new UncheckedIOException(new IOException("the spool cannot write; the bounce is kept and recorded later"));
            due.cancel(id);
            return id + ": " + pending + " recipient" + (pending == 1 ? "" : "s") + " bounced to the sender";
        });
    }

    private void update(Envelope e) {
        try {
            spool.update(e);
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /** "5 days", "3 hours", "10 minutes", "30 seconds". */
    static String human(Duration d) {
        if (d.toDays() > 0 && d.toHours() % 24 == 0) return plural(d.toDays(), "day");
        if (d.toHours() > 0 && d.toMinutes() % 60 == 0) return plural(d.toHours(), "hour");
        if (d.toMinutes() > 0 && d.toSeconds() % 60 == 0) return plural(d.toMinutes(), "minute");
        return plural(Math.max(1, d.toSeconds()), "second");
    }

    private static String plural(long n, String unit) {
        return n + " " + unit + (n == 1 ? "" : "s");
    }

    /** Stops dispatching and waits a little for attempts under way to record their outcome. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        running = false;
        if (dispatcher != null) dispatcher.interrupt();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        synchronized (lock) {
            try {
                for (long left; scheduler.busy() > 0 && (left = deadline - System.nanoTime()) > 0; )
                    lock.wait(Math.max(1, left / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (scheduler.busy() > 0) log.warn("stopping with deliveries still under way; they will be tried again after restart");
        }
        if (recorder.paused() && !recorder.retry(clock.instant()))
            log.error("stopping with {} delivery outcomes not recorded: those messages may be delivered again after restart",
                    recorder.kept());
    }
}
