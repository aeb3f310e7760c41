package dev.facteur.metrics;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The spool's commits: how long a caller waits for its changes to be durable (what a client
 * waits for before its 250), and how many records each fdatasync of the group commit covers
 * (how much the sharing of syncs gains).
 */
public final class SpoolMetrics {

    /** Seconds: an fdatasync on an SSD takes a fraction of a millisecond to a few, on a busy disk much more. */
    private static final Duration[] BUCKETS = DeliveryMetrics.seconds(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5);
    private static final double[] BATCHES = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};

    private final Timer commits;
    private final DistributionSummary batches;

    SpoolMetrics(MeterRegistry registry) {
        commits = Timer.builder("facteur.spool.commit.duration").serviceLevelObjectives(BUCKETS)
                .description("Time from a commit's start to its records being on disk").register(registry);
        batches = DistributionSummary.builder("facteur.spool.commit.batch.size").serviceLevelObjectives(BATCHES)
                .description("Records made durable by one fdatasync of the group commit").register(registry);
    }

    /** A commit's changes are durable, {@code nanos} after it started. */
    public void committed(long nanos) {
        commits.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** One fdatasync made {@code records} records durable. */
    public void synced(int records) {
        batches.record(records);
    }
}
