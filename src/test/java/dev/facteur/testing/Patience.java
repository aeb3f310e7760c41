package dev.facteur.testing;

import java.time.Duration;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;

/**
 * How long a test waits for something that must happen. An await returns as soon as the event
 * comes, so a generous bound costs nothing when all is well; it only decides how long a broken
 * run takes to say so. No test waits for something that must not happen: it proves that
 * otherwise (an injected clock, a state that excludes it).
 */
public final class Patience {

    /** The one bound for every awaited event and every socket read. */
    public static final Duration EVENT = Duration.ofSeconds(60);

    /**
     * The bound for a peer daemon's start: rspamd compiles its rules and thousands of TLD
     * suffixes first, which took more than a minute on a loaded 2-core machine. Its start is
     * what the test needs, not what it tests.
     */
    public static final Duration DAEMON_START = Duration.ofMinutes(3);

    private Patience() {}

    /** Awaitility, polling every 50 ms, for at most {@link #EVENT}. */
    public static ConditionFactory await(String what) {
        return Awaitility.await(what).atMost(EVENT).pollInterval(Duration.ofMillis(50));
    }
}
