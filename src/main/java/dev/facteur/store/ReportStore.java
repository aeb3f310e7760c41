package dev.facteur.store;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What the stores of aggregate reports have in common ({@link DmarcReportStore},
 * {@link TlsReportStore}): rows counted per Policy Domain and {@link ReportPeriod}, shared by every
 * node that shares the store, listed once their period has ended, and taken by one node, so that
 * each report counts what all of them saw and is sent once. The embedded file keeps them with
 * {@link EmbeddedReportRows}, Redis with {@link RedisReportRows}.
 *
 * @param <P> the store's period
 * @param <T> a period's rows, taken out of the store
 */
public interface ReportStore<P extends ReportPeriod, T> extends AutoCloseable {

    /** A period ended this long ago and still not taken is forgotten: nobody sends reports any more. */
    Duration KEEP = Duration.ofDays(3);

    /** The periods that ended at or before {@code now} and are still to be taken, oldest first. */
    List<P> ended(Instant now);

    /**
     * Reads and removes {@code period}'s rows, at once for every node: of nodes that take the
     * same period, one gets it and the others get nothing. Empty when nothing is there (taken,
     * forgotten).
     */
    Optional<T> take(P period);

    @Override
    void close();
}
