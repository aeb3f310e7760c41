package dev.facteur.reports;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * What a report recorder could not count, DMARC's ({@link DmarcReportRecorder}) or TLS-RPT's
 * ({@link dev.facteur.reports.tls.StoredTlsReportRecorder}): reports are best effort, so what the
 * store cannot take is dropped, and logged at most once a minute, with how many went since.
 */
public final class Dropped {

    private static final Duration QUIET = Duration.ofMinutes(1);

    private final Logger log;
    private final String report;
    private final String item;
    private final LongSupplier nanos;
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong lastWarning = new AtomicLong(Long.MIN_VALUE);

    /**
     * @param report what the log line starts with: {@code dmarc report}, {@code tls report}
     * @param item   what the recorder counts: {@code record}, {@code session}
     */
    public Dropped(Logger log, String report, String item) {
        this(log, report, item, System::nanoTime);
    }

    /** As the public one, with the ticker that says when a minute has passed ({@code System.nanoTime}). */
    Dropped(Logger log, String report, String item, LongSupplier nanos) {
        this.log = log;
        this.report = report;
        this.item = item;
        this.nanos = nanos;
    }

    /** One more dropped, because of {@code cause}. */
    public void add(RuntimeException cause) {
        long n = dropped.incrementAndGet();
        long now = nanos.getAsLong(), last = lastWarning.get();
        if ((last == Long.MIN_VALUE || now - last >= QUIET.toNanos()) && lastWarning.compareAndSet(last, now)) {
            dropped.set(0);
            log.warn("{}: {} {}{} dropped (reports are best effort): {}", report, n, item, n == 1 ? "" : "s", cause.toString());
        }
    }
}
