package dev.facteur.reports;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.reports.PeriodicReports.Schedule;
import dev.facteur.store.DmarcReportStore.Period;
import dev.facteur.store.ReportStore;
import dev.facteur.store.StoreUnavailable;
import dev.facteur.testing.LogCapture;
import dev.facteur.testing.ManualClock;
import dev.facteur.testing.Patience;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The loop the DMARC and TLS senders share: a run tries again what waits, then takes each period
 * that ended a grace ago; the next run is a grace after the next period's end, or sooner while
 * reports wait. The store is in memory, the time a clock the test moves.
 */
class PeriodicReportsTest {

    private static final Instant MIDNIGHT = Instant.parse("2026-11-29T00:00:00Z");
    private static final Duration DAY = Duration.ofDays(1);
    private static final Duration GRACE = Duration.ofMinutes(5);
    private static final Period YESTERDAY = new Period("example.com", MIDNIGHT.minus(DAY), MIDNIGHT);
    private static final Period TODAY = new Period("example.com", MIDNIGHT, MIDNIGHT.plus(DAY));

    private final ManualClock clock = ManualClock.at(MIDNIGHT.plus(GRACE));
    private final Periods store = new Periods();
    private final PeriodicReports<Period, String> reports = new PeriodicReports<>("test", LoggerFactory.getLogger("facteur.test"),
            new Schedule(DAY, GRACE, Duration.ofMinutes(10)), clock, p -> p.policyDomain() + " (" + p.begin() + ")");

    /** Periods in memory, each taken once; {@code failing} makes {@link #ended} fail. */
    static final class Periods implements ReportStore<Period, Period> {
        final List<Period> periods = new CopyOnWriteArrayList<>();
        volatile boolean failing;

        @Override
        public List<Period> ended(Instant now) {
            if (failing) throw new StoreUnavailable("down", null);
            return periods.stream().filter(p -> !p.end().isAfter(now)).toList();
        }

        @Override
        public Optional<Period> take(Period p) {
            return periods.remove(p) ? Optional.of(p) : Optional.empty();
        }

        @Override
        public void close() {}
    }

    @AfterEach
    void close() {
        reports.close();
    }

    private List<String> run() {
        return reports.runOnce(store, now -> reports.takeWaiting().stream().map(w -> "again " + w).toList(),
                (p, now) -> "sent " + p.policyDomain() + " at " + now);
    }

    @Test
    void aPeriodIsTakenAGraceAfterItsEndAndOnce() {
        store.periods.addAll(List.of(YESTERDAY, TODAY));
        clock.set(MIDNIGHT.plus(GRACE).minusMillis(1));
        assertThat(run()).isEmpty();
        clock.set(MIDNIGHT.plus(GRACE));
        assertThat(run()).containsExactly("sent example.com at " + MIDNIGHT.plus(GRACE));
        assertThat(run()).isEmpty();
        assertThat(store.periods).containsExactly(TODAY);
    }

    @Test
    void aRunTriesAgainWhatWaitsFirst() {
        store.periods.add(YESTERDAY);
        assertThat(reports.keep("a")).isTrue();
        assertThat(run()).containsExactly("again a", "sent example.com at " + MIDNIGHT.plus(GRACE));
        assertThat(reports.takeWaiting()).as("what was tried no longer waits").isEmpty();
    }

    @Test
    void aStoreThatCannotBeReadIsSaidAndWhatWaitsIsStillTried() {
        store.periods.add(YESTERDAY);
        store.failing = true;
        reports.keep("a");
        try (var log = LogCapture.attach("facteur.test")) {
            assertThat(run()).containsExactly("again a");
            assertThat(log.warnings()).singleElement().asString()
                    .isEqualTo("test reports: cannot read the store now, trying again at the next run: "
                            + "dev.facteur.store.StoreUnavailable: down");
        }
        store.failing = false;
        assertThat(run()).hasSize(1);
    }

    @Test
    void aPeriodThatFailsIsSaidAndTheOthersStillGo() {
        Period other = new Period("other.test", YESTERDAY.begin(), YESTERDAY.end());
        store.periods.addAll(List.of(YESTERDAY, other));
        try (var log = LogCapture.attach("facteur.test")) {
            List<String> sent = reports.runOnce(store, now -> List.of(), (p, now) -> {
                if (p.equals(YESTERDAY)) throw new IllegalStateException("broken");
                return p.policyDomain();
            });
            assertThat(sent).containsExactly("other.test");
            assertThat(log.warnings()).containsExactly(
                    "test report for example.com (2026-11-28T00:00:00Z) failed: java.lang.IllegalStateException: broken");
        }
        assertThat(store.periods).as("taken before it was sent: best effort, never twice").isEmpty();
    }

    @Test
    void atMostAThousandReportsWait() {
        IntStream.range(0, PeriodicReports.MAX_WAITING).forEach(i -> assertThat(reports.keep("r" + i)).isTrue());
        assertThat(reports.keep("one too many")).isFalse();
        assertThat(reports.takeWaiting()).hasSize(1000).doesNotContain("one too many");
        assertThat(reports.keep("again")).isTrue();
    }

    @Test
    void theNextRunIsAGraceAfterTheNextPeriodEnds() {
        assertThat(reports.nextRun(MIDNIGHT.plus(GRACE))).isEqualTo(MIDNIGHT.plus(DAY).plus(GRACE));
        assertThat(reports.nextRun(MIDNIGHT)).as("yesterday's reports are not sent yet").isEqualTo(MIDNIGHT.plus(GRACE));
        assertThat(reports.nextRun(MIDNIGHT.minusSeconds(1))).isEqualTo(MIDNIGHT.plus(GRACE));
        assertThat(reports.nextRun(MIDNIGHT.plus(Duration.ofHours(13)))).isEqualTo(MIDNIGHT.plus(DAY).plus(GRACE));
    }

    @Test
    void whileReportsWaitTheNextRunIsSooner() {
        reports.keep("a");
        Instant noon = MIDNIGHT.plus(Duration.ofHours(12));
        assertThat(reports.nextRun(noon)).isEqualTo(noon.plus(Duration.ofMinutes(10)));
        Instant late = MIDNIGHT.plus(DAY).minus(Duration.ofMinutes(1));
        assertThat(reports.nextRun(late)).as("the period's end comes first").isEqualTo(MIDNIGHT.plus(DAY).plus(GRACE));
    }

    @Test
    void shorterPeriodsAreAlignedOnTheDay() { // DMARC's interval
        var hourly = new PeriodicReports<Period, String>("test", LoggerFactory.getLogger("facteur.test"),
                new Schedule(Duration.ofHours(1), Duration.ofMinutes(5), Duration.ofMinutes(10)), clock, Period::policyDomain);
        assertThat(hourly.nextRun(MIDNIGHT.plus(Duration.ofMinutes(30)))).isEqualTo(MIDNIGHT.plus(Duration.ofMinutes(65)));
    }

    @Test
    void startedItRunsAtOnceThenWhenTheClockSaysAndStopsWhenClosed() {
        AtomicInteger runs = new AtomicInteger();
        reports.start(runs::incrementAndGet);
        Patience.await("the first run").until(() -> runs.get() == 1);
        clock.set(MIDNIGHT.plus(DAY).plus(GRACE)); // the clock jumps: the wait looks at it each second
        Patience.await("the run a grace after midnight").until(() -> runs.get() == 2);
        reports.close();
        assertThat(reports.closed()).isTrue();
    }

    @Test
    void closedItTakesNoMorePeriods() {
        store.periods.add(YESTERDAY);
        reports.keep("a");
        reports.close();
        assertThat(reports.closed()).isTrue();
        assertThat(run()).as("each sender says what becomes of what waits").containsExactly("again a");
        assertThat(store.periods).containsExactly(YESTERDAY);
    }
}
