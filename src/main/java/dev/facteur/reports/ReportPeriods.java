package dev.facteur.reports;

import dev.facteur.store.DmarcReportStore.Period;
import java.time.Duration;
import java.time.Instant;

/**
 * Reporting periods aligned on the epoch: with a whole number of them in a day, a one-day period
 * is a UTC day, as RFC 9990 §2.1.2 says reports typically cover, and every node cuts the same
 * periods without agreeing on anything.
 */
final class ReportPeriods {

    private ReportPeriods() {}

    /** The period of {@code policyDomain} that {@code at} falls in. */
    static Period of(String policyDomain, Instant at, Duration interval) {
        long length = interval.toSeconds();
        Instant begin = Instant.ofEpochSecond(Math.floorDiv(at.getEpochSecond(), length) * length);
        return new Period(policyDomain, begin, begin.plus(interval));
    }

    /** When the period that {@code at} falls in ends. */
    static Instant nextBoundary(Instant at, Duration interval) {
        return of("boundary", at, interval).end();
    }
}
