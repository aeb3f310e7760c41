package dev.facteur.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * DNS lookups by record type and result, and how long they took (answers from the resolver's
 * cache included: they are what mail waits for). The types are those Facteur asks; any other is
 * {@code other}.
 */
public final class DnsMetrics {

    /** How a lookup ended. */
    public enum Result {
        /** Records of the type asked. */
        FOUND,
        /** The name exists, without records of that type (RFC 2308 NODATA). */
        NODATA,
        /** The name does not exist. */
        NXDOMAIN,
        /** No answer to go by: a timeout, SERVFAIL, REFUSED, a network error. */
        TEMPFAIL;

        private final String label = name().toLowerCase(Locale.ROOT);

        public String label() {
            return label;
        }
    }

    /** RFC 1035 and RFC 3596 type codes, and their names: A, AAAA, MX, PTR, TXT, then everything else. */
    private static final int[] CODES = {1, 28, 15, 12, 16};
    private static final String[] NAMES = {"A", "AAAA", "MX", "PTR", "TXT", "other"};
    /** Seconds: a cached answer takes microseconds, a silent server the resolver's timeout and retries. */
    private static final Duration[] BUCKETS = DeliveryMetrics.seconds(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
            5, 10, 30);

    private final Counter[][] lookups = new Counter[NAMES.length][Result.values().length];
    private final Timer[] durations = new Timer[NAMES.length];

    DnsMetrics(MeterRegistry registry) {
        for (int t = 0; t < NAMES.length; t++) {
            for (Result r : Result.values()) {
                lookups[t][r.ordinal()] = Counter.builder("facteur.dns.lookups").tags("type", NAMES[t], "result", r.label())
                        .description("DNS lookups, by record type and result").register(registry);
            }
            durations[t] = Timer.builder("facteur.dns.lookup.duration").tag("type", NAMES[t]).serviceLevelObjectives(BUCKETS)
                    .description("Duration of DNS lookups, by record type").register(registry);
        }
    }

    /** A lookup of records of {@code type} (its RFC 1035 code: 15 for MX) ended with {@code result} after {@code nanos}. */
    public void lookedUp(int type, Result result, long nanos) {
        int t = index(type);
        lookups[t][result.ordinal()].increment();
        durations[t].record(nanos, TimeUnit.NANOSECONDS);
    }

    private static int index(int type) {
        for (int i = 0; i < CODES.length; i++) if (CODES[i] == type) return i;
        return NAMES.length - 1;
    }
}
