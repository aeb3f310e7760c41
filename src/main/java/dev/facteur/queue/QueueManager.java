package dev.facteur.queue;

import dev.facteur.delivery.Attempt;
import dev.facteur.delivery.DeliveryAgent;
import dev.facteur.delivery.OutgoingMessage;
import dev.facteur.delivery.Outcome;
import dev.facteur.dsn.DsnAction;
import dev.facteur.dsn.DsnReport;
import dev.facteur.dsn.DsnWriter;
import dev.facteur.message.Envelope;
import dev.facteur.message.Notify;
import dev.facteur.message.QueueId;
import dev.facteur.message.Recipient;
import dev.facteur.message.Schedule;
import dev.facteur.spool.Spool;
import dev.facteur.spool.StoredMessage;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the queue: picks due messages, has them delivered, writes back what happened, retries
 * with back-off, gives up after the lifetime, and tells senders (DSNs). Message content never
 * enters memory here; only envelopes do.
 */
public final class QueueManager implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger("facteur.queue");

    /** Delivers one message once; {@link DeliveryAgent#deliver} in production, a fake in tests. */
    @FunctionalInterface
    public interface Deliverer {
        List<Attempt> deliver(Envelope envelope, long size, OutgoingMessage.Content content);
    }

    private final Spool spool;
    private final Deliverer deliverer;
    private final Notifier notifier;
    private final RetryPolicy policy;
    private final Clock clock;
    private final Semaphore parallel;
    private final int maxParallel;
    private final DueQueue due = new DueQueue();
    private final Set<QueueId> busy = ConcurrentHashMap.newKeySet();
    private volatile boolean running;
    private boolean closed;
    private Thread dispatcher;

    public QueueManager(Spool spool, Deliverer deliverer, DsnWriter dsnWriter, String hostname, QueueId.Generator ids,
            RetryPolicy policy, Clock clock, int maxParallel) {
        this.spool = spool;
        this.deliverer = deliverer;
        this.notifier = new Notifier(spool, dsnWriter, hostname, ids, clock);
        this.policy = policy;
        this.clock = clock;
        this.parallel = new Semaphore(maxParallel);
        this.maxParallel = maxParallel;
    }

    /** Schedules everything already in the spool at its recorded time, then starts dispatching. */
    public void start() {
        int n = 0;
        for (StoredMessage m : spool.messages()) {
            Schedule s = m.envelope().schedule();
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
        due.schedule(id, clock.instant());
    }

    public int scheduled() {
        return due.size();
    }

    private void dispatch() {
        while (running) {
            try {
                List<QueueId> ready = due.takeDue(clock.instant(), Math.max(1, parallel.availablePermits()));
                if (ready.isEmpty()) {
                    Instant next = due.next();
                    long wait = next == null ? 1000 : Math.min(1000, Duration.between(clock.instant(), next).toMillis());
                    due.await(Math.max(1, wait));
                    continue;
                }
                for (QueueId id : ready) {
                    parallel.acquire();
                    Thread.ofVirtual().name("deliver-" + id).start(() -> {
                        try {
                            process(id);
                        } finally {
                            parallel.release();
                        }
                    });
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.error("queue dispatcher error", e);
            }
        }
    }

    /** One delivery attempt for one message, and its consequences. */
    void process(QueueId id) {
        if (!busy.add(id)) {
            due.schedule(id, clock.instant().plusSeconds(1)); // an operator command holds it right now
            return;
        }
        try {
            Optional<StoredMessage> found = spool.find(id);
            if (found.isEmpty() || found.get().envelope().schedule().held()) return;
            StoredMessage sm = found.get();
            List<Attempt> attempts = deliverer.deliver(sm.envelope(), sm.size(), () -> spool.openContent(id));
            apply(sm, attempts);
        } catch (IOException | RuntimeException e) {
            log.error("{}: could not process: {}", id, e.toString());
            due.schedule(id, clock.instant().plus(policy.initial()));
        } finally {
            busy.remove(id);
        }
    }

    private void apply(StoredMessage sm, List<Attempt> attempts) throws IOException {
        Envelope env = sm.envelope();
        Instant now = clock.instant();
        List<Recipient> rs = new ArrayList<>(env.recipients());
        List<Recipient> failedNow = new ArrayList<>();
        List<Recipient> relayed = new ArrayList<>();
        List<Recipient> delivered = new ArrayList<>();
        Set<Integer> heldNow = new java.util.HashSet<>(); // recipients the transport map keeps for an operator
        for (Attempt a : attempts) {
            Recipient r = rs.get(a.recipientIndex());
            String diag = DeliveryAgent.diagnostic(a.outcome().reply());
            Recipient next = switch (a.outcome()) {
                case Outcome.Delivered d -> r.after(Recipient.State.DELIVERED, diag, a.remoteMta());
                case Outcome.Failed f -> r.after(Recipient.State.FAILED, diag, a.remoteMta());
                case Outcome.Deferred d -> r.after(Recipient.State.PENDING, diag, a.remoteMta());
                case Outcome.Held h -> r.after(Recipient.State.PENDING, diag, a.remoteMta());
            };
            rs.set(a.recipientIndex(), next);
            if (next.state() == Recipient.State.FAILED) failedNow.add(next);
            if (next.state() == Recipient.State.DELIVERED && r.dsnNotify().wants(Notify.Condition.SUCCESS) && !a.remoteDsn())
                (a.finalDelivery() ? delivered : relayed).add(next);
            if (a.outcome() instanceof Outcome.Held) heldNow.add(a.recipientIndex());
        }
        Instant expiry = env.arrival().plus(policy.lifetime());
        boolean expired = !now.isBefore(expiry);
        if (expired) {
            for (int i = 0; i < rs.size(); i++) {
                Recipient r = rs.get(i);
                if (!r.isPending()) continue;
                String last = r.diagnostic() == null ? "" : "; last error: " + r.diagnostic();
                Recipient f = r.after(Recipient.State.FAILED, "451 4.4.7 Message expired after "
                        + human(policy.lifetime()) + " in the queue" + last, r.remoteMta()); // keeps the remote's last word
                rs.set(i, f);
                failedNow.add(f);
            }
        }
        Schedule schedule = env.schedule();
        boolean heldForPostmaster = false;
        if (env.sender().isNull()) {
            // RFC 3464 §2: never answer a DSN with a DSN. Keep it for an administrator instead.
            if (!failedNow.isEmpty()) {
                heldForPostmaster = true;
                log.warn("{}: bounce from <> could not be delivered; held in the queue for the postmaster", env.id());
            }
        } else {
            notifyFailures(env, failedNow, now);
            // An alias expanded on receipt is reported once: SUCCESS is taken off it in the envelope written below.
            List<Recipient> expanded = new ArrayList<>();
            for (int i = 0; i < rs.size(); i++) {
                Recipient r = rs.get(i);
                if (r.state() != Recipient.State.EXPANDED || !r.dsnNotify().wants(Notify.Condition.SUCCESS)) continue;
                expanded.add(r);
                rs.set(i, new Recipient(r.address(), r.dsnNotify().withoutSuccess(), r.orcpt(), r.state(), r.diagnostic(), r.remoteMta()));
            }
            if (!expanded.isEmpty()) send(new DsnReport(env, DsnAction.EXPANDED, expanded, now, null), sm.size());
            if (!relayed.isEmpty()) send(new DsnReport(env, DsnAction.RELAYED, relayed, now, null), sm.size());
            if (!delivered.isEmpty()) send(new DsnReport(env, DsnAction.DELIVERED, delivered, now, null), sm.size());
            List<Recipient> late = rs.stream().filter(Recipient::isPending).filter(r -> r.dsnNotify().wants(Notify.Condition.DELAY)).toList();
            if (!expired && !schedule.delayNotified() && !policy.delayWarning().isZero()
                    && !now.isBefore(env.arrival().plus(policy.delayWarning())) && !late.isEmpty()) {
                send(new DsnReport(env, DsnAction.DELAYED, late, now, expiry), sm.size());
                schedule = schedule.withDelayNotified();
            }
        }
        Envelope updated = env.withRecipients(rs);
        // On hold once every recipient still pending is one the transport map holds; until then the others go on.
        boolean held = !heldNow.isEmpty() && !updated.isComplete() && java.util.stream.IntStream.range(0, rs.size())
                .filter(i -> rs.get(i).isPending()).allMatch(heldNow::contains);
        if (heldForPostmaster || held) {
            if (held) log.info("{}: on hold (transport map); release with: facteur queue release {}", env.id(), env.id());
            spool.update(updated.withSchedule(schedule.withHeld(true)));
        } else if (updated.isComplete()) {
            spool.remove(env.id());
        } else {
            Instant next = now.plus(policy.delayAfter(schedule.attempts() + 1));
            if (next.isAfter(expiry)) next = expiry;
            spool.update(updated.withSchedule(schedule.retryAt(next)));
            due.schedule(env.id(), next);
        }
    }

    private void notifyFailures(Envelope env, List<Recipient> failed, Instant now) throws IOException {
        List<Recipient> tell = failed.stream().filter(r -> r.dsnNotify().wants(Notify.Condition.FAILURE)).toList();
        if (!tell.isEmpty()) send(new DsnReport(env, DsnAction.FAILED, tell, now, null), -1);
    }

    private void send(DsnReport report, long originalSize) throws IOException {
        QueueId id = notifier.queue(report, originalSize);
        log.info("{}: sender notification {} queued (action={}, recipients={})", report.original().id(), id,
                report.action().field(), report.recipients().size());
        submitted(id);
    }

    // ---- operator commands ------------------------------------------------------------------

    /** The result of an operator command, as printed by the CLI. */
    public record CommandResult(boolean ok, String message) {}

    private CommandResult withMessage(QueueId id, String verb, java.util.function.Function<StoredMessage, String> action) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!busy.add(id)) {
            if (System.nanoTime() > deadline) return new CommandResult(false, id + ": busy (being delivered), try again");
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new CommandResult(false, "interrupted");
            }
        }
        try {
            Optional<StoredMessage> m = spool.find(id);
            if (m.isEmpty()) return new CommandResult(false, id + ": no such message in the queue");
            String said = action.apply(m.get());
            log.info("{}: {} by the administrator", id, verb);
            return new CommandResult(true, said);
        } finally {
            busy.remove(id);
        }
    }

    public CommandResult flush(QueueId id) {
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
                throw new java.io.UncheckedIOException(e);
            }
            due.cancel(id);
            return id + ": deleted (no notification sent)";
        });
    }

    /** Fails every pending recipient now, sending the usual DSN. */
    public CommandResult bounce(QueueId id) {
        return withMessage(id, "bounced", m -> {
            Envelope e = m.envelope();
            List<Attempt> fails = new ArrayList<>();
            for (int i = 0; i < e.recipients().size(); i++) {
                if (e.recipients().get(i).isPending())
                    fails.add(new Attempt(i, new Outcome.Failed(new dev.facteur.smtp.Reply(550, "5.0.0",
                            "Message returned to sender by the mail administrator")), null, false));
            }
            try {
                apply(m, fails);
            } catch (IOException ex) {
                throw new java.io.UncheckedIOException(ex);
            }
            due.cancel(id);
            return id + ": " + fails.size() + " recipient" + (fails.size() == 1 ? "" : "s") + " bounced to the sender";
        });
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

    private void update(Envelope e) {
        try {
            spool.update(e);
        } catch (IOException ex) {
            throw new java.io.UncheckedIOException(ex);
        }
    }

    /** Stops dispatching and waits a little for attempts under way to record their outcome. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        running = false;
        if (dispatcher != null) dispatcher.interrupt();
        try {
            if (!parallel.tryAcquire(maxParallel, 10, java.util.concurrent.TimeUnit.SECONDS))
                log.warn("stopping with deliveries still under way; they will be tried again after restart");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
