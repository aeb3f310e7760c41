package dev.facteur.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The meters of one running Facteur, and their Prometheus text ({@link #scrape}). Each part of the
 * server asks for its own typed object once, at start, and calls it as things happen; gauges of
 * state (the queue, the disk, the certificates) are read at each scrape instead.
 */
public final class Metrics {

    private static final Logger log = LoggerFactory.getLogger("facteur.metrics");

    /**
     * Counts nothing: a composite registry with no registry in it hands out meters that keep
     * nothing, so code that calls them needs no test for "off".
     */
    public static final Metrics NONE = new Metrics(new CompositeMeterRegistry(), null, Clock.systemUTC());

    /** Prometheus's text exposition format, version 0.0.4: what {@link #scrape} returns. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final MeterRegistry registry;
    private final PrometheusMeterRegistry prometheus; // null: NONE
    private final Clock clock;
    private final TlsSessions tls;
    private final DeliveryMetrics delivery;
    private final DnsMetrics dns;
    private final SpoolMetrics spool;
    private final PolicyMetrics policy;
    private final Map<String, SmtpMetrics> listeners = new ConcurrentHashMap<>();
    /** Gauges of state, brought up to date before each scrape. */
    private final List<Runnable> beforeScrape = new CopyOnWriteArrayList<>();

    private Metrics(MeterRegistry registry, PrometheusMeterRegistry prometheus, Clock clock) {
        this.registry = registry;
        this.prometheus = prometheus;
        this.clock = clock;
        this.tls = new TlsSessions(registry);
        this.delivery = new DeliveryMetrics(registry, tls);
        this.dns = new DnsMetrics(registry);
        this.spool = new SpoolMetrics(registry);
        this.policy = new PolicyMetrics(registry);
    }

    /** Meters kept for Prometheus, with the JVM's own (memory, garbage collection, threads, CPU, uptime). */
    private boolean queueWatched;
    private volatile Watched watchedCertificates;
    private MultiGauge certificateExpiry; // null until certificates are first named

    public static Metrics prometheus(Clock clock) {
        var registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        return new Metrics(registry, registry, clock);
    }

    /** Whether anything is kept: false for {@link #NONE}. */
    public boolean enabled() {
        return prometheus != null;
    }

    /** The meters of one SMTP listener, by the name the server gives it ({@code smtp}, {@code submission}, ...). */
    public SmtpMetrics smtp(String listener) {
        return listeners.computeIfAbsent(listener, l -> new SmtpMetrics(registry, l, tls));
    }

    public DeliveryMetrics delivery() {
        return delivery;
    }

    public DnsMetrics dns() {
        return dns;
    }

    public SpoolMetrics spool() {
        return spool;
    }

    public PolicyMetrics policy() {
        return policy;
    }

    /**
     * The queue's gauges ({@code facteur_queue_messages}, {@code facteur_queue_oldest_message_seconds}
     * by state): {@code census} counts every queued message into the tally it is given, once per
     * scrape. Each state has its series from the start, at zero while no message is in it.
     */
    public synchronized void queue(Consumer<QueueTally> census) {
        if (!enabled()) return;
        // A second census would be counted at every scrape and its gauges never read (the registry
        // keeps the first): a wiring mistake, said where it is made rather than as a warning at start.
        if (queueWatched) throw new IllegalStateException("the queue's gauges are registered already");
        queueWatched = true;
        var now = new QueueTally[] {new QueueTally()};
        for (QueueState s : QueueState.values()) {
            Gauge.builder("facteur.queue.messages", now, t -> t[0].messages(s)).tags("state", s.label()).strongReference(true)
                    .description("Messages in the queue").register(registry);
            Gauge.builder("facteur.queue.oldest.message", now, t -> t[0].oldestAge(s, clock.instant())).tags("state", s.label())
                    .baseUnit("seconds").strongReference(true)
                    .description("Age of the oldest message in the queue; 0 when there is none").register(registry);
        }
        beforeScrape.add(() -> {
            var tally = new QueueTally();
            census.accept(tally);
            now[0] = tally;
        });
    }

    /** {@code facteur_data_dir_free_bytes}: the room left on the disk of {@code dir} for Facteur's user. */
    public void dataDirectory(Path dir) {
        if (!enabled()) return;
        Gauge.builder("facteur.data.dir.free", dir, Metrics::usableSpace).baseUnit("bytes").strongReference(true)
                .description("Bytes free for Facteur on the disk of its data directory").register(registry);
    }

    private static double usableSpace(Path dir) {
        try {
            return Files.getFileStore(dir).getUsableSpace();
        } catch (IOException e) {
            return Double.NaN; // Prometheus's "no value": an alert on a low value does not fire on a missing disk
        }
    }

    /**
     * {@code facteur_tls_certificate_expiry_seconds}: for each certificate file, the seconds until
     * its first certificate's notAfter (negative once expired), by its first DNS name. The files
     * are read again when they change, as the server does; one that cannot be read is left out
     * (and logged).
     */
    public synchronized void certificates(List<Path> files) {
        if (!enabled()) return;
        // A reload names the files again: the rows follow the files named last, those of files no
        // longer named are dropped at the next scrape.
        watchedCertificates = new Watched(files.stream().map(CertificateExpiry::new).toList());
        if (certificateExpiry != null) return;
        MultiGauge gauge = MultiGauge.builder("facteur.tls.certificate.expiry").baseUnit("seconds")
                .description("Seconds until the server certificate expires (notAfter); negative once it has").register(registry);
        certificateExpiry = gauge;
        beforeScrape.add(() -> {
            Watched w = watchedCertificates;
            boolean changed = w.fresh.getAndSet(false);
            for (CertificateExpiry c : w.files) changed |= c.refresh();
            if (!changed) return;
            List<MultiGauge.Row<?>> rows = new ArrayList<>();
            for (CertificateExpiry c : w.files) {
                c.current().ifPresent(cert -> rows.add(MultiGauge.Row.of(Tags.of("name", cert.name()),
                        () -> Duration.between(clock.instant(), cert.notAfter()).toSeconds())));
            }
            gauge.register(rows, true);
        });
    }

    /** The certificate files named last, and whether the gauge's rows are still to be made from them. */
    private record Watched(List<CertificateExpiry> files, AtomicBoolean fresh) {
        Watched(List<CertificateExpiry> files) {
            this(files, new AtomicBoolean(true));
        }
    }

    /** Everything in Prometheus's text format ({@link #CONTENT_TYPE}); empty for {@link #NONE}. */
    public synchronized String scrape() {
        if (!enabled()) return "";
        for (Runnable r : beforeScrape) {
            try {
                r.run();
            } catch (RuntimeException e) { // one gauge's trouble must not cost the scrape
                log.warn("metrics: could not bring a gauge up to date: {}", e.toString());
            }
        }
        return Jvm.REGISTRY.scrape() + prometheus.scrape();
    }

    /**
     * The JVM's meters, bound once per process: they describe the process, not one server in it
     * (tests start many), and the garbage collector's notification listener must not be added
     * again with each server and never removed.
     */
    private static final class Jvm {
        static final PrometheusMeterRegistry REGISTRY = bound();

        @SuppressWarnings("resource") // the GC listener lives as long as the JVM it reports on
        private static PrometheusMeterRegistry bound() {
            var r = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            new JvmMemoryMetrics().bindTo(r);
            new JvmGcMetrics().bindTo(r);
            new JvmThreadMetrics().bindTo(r);
            new ProcessorMetrics().bindTo(r);
            new UptimeMetrics().bindTo(r);
            return r;
        }
    }
}
