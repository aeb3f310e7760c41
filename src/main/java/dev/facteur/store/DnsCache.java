package dev.facteur.store;

import java.time.Duration;
import java.time.Instant;

/**
 * DNS answers the policy checks looked up (block lists, reverse DNS), kept for their time to live
 * and shared by every node that shares the store, so that a cluster asks a list once per client
 * rather than once per node. Answers are opaque text to the store; expiry goes by the callers'
 * {@code now}, never the store's clock. Failures are {@link StoreUnavailable}: the caller then
 * asks DNS itself.
 */
public interface DnsCache extends AutoCloseable {

    /** The answer kept under {@code key}, or null when there is none alive at {@code now}. */
    String get(String key, Instant now);

    /** Keeps {@code answer} under {@code key} from {@code now} for {@code ttl} (positive), replacing any other. */
    void put(String key, String answer, Instant now, Duration ttl);

    @Override
    void close();
}
