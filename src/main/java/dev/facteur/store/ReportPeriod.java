package dev.facteur.store;

import java.time.Instant;

/**
 * A Policy Domain's reporting period, the unit a {@link ReportStore} counts rows in: DMARC's
 * {@link DmarcReportStore.Period} (a whole number of them in a UTC day), TLS-RPT's
 * {@link TlsReportStore.Day} (a UTC day).
 */
public interface ReportPeriod {

    /** The domain the report is about, lowercase. */
    String policyDomain();

    /** The period's first instant. */
    Instant begin();

    /** The instant after its last: the next period's begin. */
    Instant end();
}
