package dev.facteur.store;

/**
 * What counting one more row in a report's period did ({@link EmbeddedReportRows},
 * {@link RedisReportRows}); each report store answers it under its own name,
 * {@link DmarcReportStore.Added} or {@link TlsReportStore.Added}, which have the same constants.
 */
enum Counted {
    /** The first of its kind in the period: a new row. */
    NEW_ROW,
    /** An identical row was there: its count went up. */
    COUNTED,
    /** The period has its maximum of rows already: counted among those left out. */
    LEFT_OUT
}
