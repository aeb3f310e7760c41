package dev.facteur.reports;

import dev.facteur.store.ReportPeriod;
import dev.facteur.store.ReportStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.slf4j.Logger;

/**
 * What the senders of aggregate reports share, DMARC's ({@link DmarcReportSender}) and TLS-RPT's
 * ({@link dev.facteur.reports.tls.TlsReportSender}): when they run, taking each period that has
 * ended from the store, and the reports that wait to be tried again. What a report is, where it
 * goes and what is tried again stay with each sender.
 *
 * <p>A run first lets the sender try again what waits, then takes from the store each period that
 * ended a {@code grace} ago or more (of nodes that share the store, one gets it) and hands it to
 * the sender. Taking a period removes it from the store before the report goes: a crash in
 * between loses that report rather than sending it twice (reports are best effort).
 *
 * <p>Once {@linkplain #start started}, it runs at once, for periods that ended while Facteur was
 * down; then a {@code grace} after each period's end (periods are aligned on the epoch: see
 * {@link ReportPeriods}), so that a node whose clock is a little behind has added its last rows;
 * and every {@code retryEvery} while reports wait to be tried again. It looks at the clock each
 * second: the wall clock may jump (NTP, a host resumed, a test moving it), and a report is due by
 * the clock, not by time elapsed. What waits is kept in this node's memory only, at most
 * {@value #MAX_WAITING} reports.
 *
 * @param <P> the store's period
 * @param <W> what the sender keeps to try again
 */
public final class PeriodicReports<P extends ReportPeriod, W> implements AutoCloseable {

    /** How many reports may wait to be tried again; past that, the sender says so and gives them up. */
    public static final int MAX_WAITING = 1000;
    private static final Duration LOOK_AGAIN = Duration.ofSeconds(1);

    /**
     * When reports go.
     *
     * @param interval   the reporting period: a whole number of them in a UTC day
     * @param grace      how long after a period's end its reports go
     * @param retryEvery how often to run while reports wait to be tried again
     */
    public record Schedule(Duration interval, Duration grace, Duration retryEvery) {}

    private final String name;
    private final Logger log;
    private final Schedule schedule;
    private final Clock clock;
    private final Function<P, String> describe;
    private final List<W> waiting = new ArrayList<>();
    private final Object wake = new Object();
    private volatile boolean closed;
    private Thread thread;

    /**
     * @param name     what the reports are, in the thread's name and the log lines: {@code dmarc}, {@code tls}
     * @param describe a period as the log lines name it, e.g. {@code example.com (2026-11-28)}
     */
    public PeriodicReports(String name, Logger log, Schedule schedule, Clock clock, Function<P, String> describe) {
        this.name = name;
        this.log = log;
        this.schedule = schedule;
        this.clock = clock;
        this.describe = describe;
    }

    /** Runs {@code run} now, then as the schedule says, on a virtual thread, until closed. */
    public synchronized void start(Runnable run) {
        thread = Thread.ofVirtual().name(name + "-reports").start(() -> {
            while (!closed) {
                run.run();
                if (!sleepUntil(nextRun(clock.instant()))) return;
            }
        });
    }

    /**
     * When to run after a run that ended at {@code now}: a grace after the end of the period that
     * {@code now} a grace ago falls in, or a {@code retryEvery} from now if sooner and reports wait.
     */
    synchronized Instant nextRun(Instant now) {
        Instant next = ReportPeriods.nextBoundary(now.minus(schedule.grace()), schedule.interval()).plus(schedule.grace());
        Instant retry = now.plus(schedule.retryEvery());
        return !waiting.isEmpty() && retry.isBefore(next) ? retry : next;
    }

    /**
     * One run, now by the clock: {@code retry} tries again what waits (it {@linkplain #takeWaiting
     * takes} it), then each period taken from {@code store} goes to {@code send}. What became of
     * each report, in that order.
     */
    public <T, R> List<R> runOnce(ReportStore<P, T> store, Function<Instant, List<R>> retry, BiFunction<T, Instant, R> send) {
        Instant now = clock.instant();
        List<R> out = new ArrayList<>(retry.apply(now));
        out.addAll(sendEnded(store, now, send));
        return out;
    }

    /**
     * Takes from {@code store} each period that ended a {@code grace} before {@code now} or more,
     * and gives it to {@code send}. A store that cannot be read, or a period that fails, is logged
     * and left to the next run; closing stops the run.
     */
    private <T, R> List<R> sendEnded(ReportStore<P, T> store, Instant now, BiFunction<T, Instant, R> send) {
        List<R> out = new ArrayList<>();
        List<P> ended;
        try {
            ended = store.ended(now.minus(schedule.grace()));
        } catch (RuntimeException e) {
            log.warn("{} reports: cannot read the store now, trying again at the next run: {}", name, e.toString());
            return out;
        }
        for (P p : ended) {
            if (closed) break;
            try {
                store.take(p).map(taken -> send.apply(taken, now)).ifPresent(out::add);
            } catch (RuntimeException e) {
                log.warn("{} report for {} failed: {}", name, describe.apply(p), e.toString());
            }
        }
        return out;
    }

    /** Keeps {@code w} to try again at the next runs; false when {@value #MAX_WAITING} wait already. */
    public synchronized boolean keep(W w) {
        if (waiting.size() >= MAX_WAITING) return false;
        waiting.add(w);
        return true;
    }

    /** What waits to be tried again, which no longer waits: {@link #keep} it again to. */
    public synchronized List<W> takeWaiting() {
        List<W> due = List.copyOf(waiting);
        waiting.clear();
        return due;
    }

    /** Whether {@link #close} was called: a run under way takes no more periods. */
    public boolean closed() {
        return closed;
    }

    /** Waits until the clock says {@code at}, looking at it each second; false when closed meanwhile. */
    private boolean sleepUntil(Instant at) {
        synchronized (wake) {
            for (Duration left; !closed && (left = Duration.between(clock.instant(), at)).isPositive(); ) {
                try {
                    wake.wait(Math.clamp(left.toMillis(), 1, LOOK_AGAIN.toMillis()));
                } catch (InterruptedException e) {
                    return false;
                }
            }
        }
        return !closed;
    }

    /** Stops; a run under way finishes first (it is never interrupted in the middle of writing to the spool). */
    @Override
    public void close() {
        closed = true;
        synchronized (wake) {
            wake.notifyAll();
        }
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t != null) {
            try {
                t.join(Duration.ofSeconds(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
