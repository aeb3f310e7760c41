package dev.facteur.store;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * The greylisting records, rate counters and DNS answers of the policy checks, the rows of the
 * DMARC aggregate reports to send, and the traffic shaping budgets, from one place: a file of its own
 * ({@link #embedded}, the default) or a Redis that several nodes share ({@link #redis}). Closing
 * this, or any store it hands out, closes them all: they share the file or the connections.
 *
 * <pre>{@code
 * try (Stores stores = Stores.embedded(dataDir.resolve("policy"))) {
 *     var greylist = new GreylistCheck(stores.greylist(), settings, clock);
 *     ...
 * }
 * }</pre>
 */
public final class Stores implements AutoCloseable {

    /** The Redis key prefix unless configured: every key Facteur writes starts with it. */
    public static final String DEFAULT_PREFIX = "facteur:";

    private final GreylistStore greylist;
    private final RateStore rates;
    private final DnsCache dns;
    private final DmarcReportStore dmarcReports;
    private final ShapingStore shaping;
    private final SuppressionStore suppressions;
    private final TlsReportStore tlsReports;
    private final Runnable closeShared;
    private final String description;
    private final AtomicBoolean closed = new AtomicBoolean();

    /** Each store is made with the closer of all. */
    private Stores(Function<Runnable, GreylistStore> greylist, Function<Runnable, RateStore> rates, Function<Runnable, DnsCache> dns,
            Function<Runnable, DmarcReportStore> dmarcReports, Function<Runnable, ShapingStore> shaping,
            Function<Runnable, SuppressionStore> suppressions, Function<Runnable, TlsReportStore> tlsReports, Runnable closeShared,
            String description) {
        this.closeShared = closeShared;
        this.description = description;
        this.greylist = greylist.apply(this::close);
        this.rates = rates.apply(this::close);
        this.dns = dns.apply(this::close);
        this.dmarcReports = dmarcReports.apply(this::close);
        this.shaping = shaping.apply(this::close);
        this.suppressions = suppressions.apply(this::close);
        this.tlsReports = tlsReports.apply(this::close);
    }

    /**
     * All the stores in one file, {@code dir/policy.mv}, made with {@code dir} if need be. Only this
     * process uses it; a {@code kill -9} loses the updates of the last second or so; a damaged
     * file is logged, moved aside ({@code policy.mv.damaged-TIME}) and the stores start empty.
     * See {@link EmbeddedFile}.
     *
     * @param dir a directory of its own, under the data directory
     * @throws StoreUnavailable when the directory or file cannot be used (unwritable, or in use by another process)
     */
    public static Stores embedded(Path dir) {
        EmbeddedFile file = EmbeddedFile.open(dir);
        return new Stores(closer -> new EmbeddedGreylistStore(file, closer), closer -> new EmbeddedRateStore(file, closer),
                closer -> new EmbeddedDnsCache(file, closer), closer -> new EmbeddedDmarcReportStore(file, closer), LocalShapingStore::new,
                closer -> new EmbeddedSuppressionStore(file, closer), closer -> new EmbeddedTlsReportStore(file, closer), file::close,
                "embedded store in " + dir);
    }

    /**
     * All the stores in a Redis that several Facteur nodes share; each operation is atomic there.
     * Nothing is connected yet: when Redis cannot be reached or fails, an operation throws
     * {@link StoreUnavailable} (and the caller applies its configured verdict); the next one tries
     * again.
     *
     * @param uri     {@code redis://[[user]:password@]host[:port][/db]} (port 6379, db 0 unless said),
     *                or {@code rediss://...} for TLS
     * @param prefix  the start of every key (keeps Facteur's keys apart from others' in a shared
     *                Redis, and two clusters' in one); {@link #DEFAULT_PREFIX} unless configured
     * @param timeout the longest an operation may take in all, from waiting for a connection to
     *                the reply; past it, StoreUnavailable (a few hundred ms is plenty for a Redis
     *                on the local network; it is what a hung Redis costs each SMTP command)
     * @throws IllegalArgumentException for a URI that is not redis:// or rediss://, or a timeout that is not positive
     */
    public static Stores redis(URI uri, String prefix, Duration timeout) {
        Objects.requireNonNull(prefix, "prefix");
        RedisConnections redis = new RedisConnections(uri, timeout);
        return new Stores(closer -> new RedisGreylistStore(redis, prefix, closer), closer -> new RedisRateStore(redis, prefix, closer),
                closer -> new RedisDnsCache(redis, prefix, closer), closer -> new RedisDmarcReportStore(redis, prefix, closer),
                closer -> new RedisShapingStore(redis, prefix, closer), closer -> new RedisSuppressionStore(redis, prefix, closer),
                closer -> new RedisTlsReportStore(redis, prefix, closer), redis::close,
                "Redis store at " + RedisConnections.redacted(uri) + ", prefix " + prefix);
    }

    public GreylistStore greylist() {
        return greylist;
    }

    public RateStore rates() {
        return rates;
    }

    public DnsCache dns() {
        return dns;
    }

    public DmarcReportStore dmarcReports() {
        return dmarcReports;
    }

    /** The traffic shaping budgets; the embedded kind keeps them in memory ({@link LocalShapingStore}). */
    public ShapingStore shaping() {
        return shaping;
    }

    /** The suppression list. */
    public SuppressionStore suppressions() {
        return suppressions;
    }

    /** The session counts of the TLS reports to send (RFC 8460). */
    public TlsReportStore tlsReports() {
        return tlsReports;
    }

    /** Closes all the stores (the embedded file is written whole). Safe to call more than once. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) closeShared.run();
    }

    @Override
    public String toString() {
        return description;
    }
}
