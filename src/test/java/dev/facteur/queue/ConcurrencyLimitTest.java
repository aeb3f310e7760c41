package dev.facteur.queue;

import static dev.facteur.queue.ConcurrencyLimit.INITIAL;
import static dev.facteur.queue.ConcurrencyLimit.RELEARN_NANOS;
import static dev.facteur.queue.ConcurrencyLimit.TOLERANCE;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import java.util.function.IntToLongFunction;
import org.junit.jupiter.api.Test;

/** A destination's deliveries at once follow the pace of its servers. */
class ConcurrencyLimitTest {

    private static final long MS = 1_000_000;

    /** Ends {@code rounds} rounds, each delivery answered in the time the function gives for the limit then. */
    private static void rounds(ConcurrencyLimit c, int rounds, IntToLongFunction answerAtLimit, long now) {
        for (int r = 0; r < rounds; r++) {
            int n = c.limit();
            long answer = answerAtLimit.applyAsLong(n);
            for (int i = 0; i < n; i++) c.ended(answer, now);
        }
    }

    @Test
    void startsAtPostfixsInitialConcurrencyOrTheMaximumIfLower() {
        assertThat(new ConcurrencyLimit(100, 0).limit()).isEqualTo(INITIAL);
        assertThat(new ConcurrencyLimit(2, 0).limit()).isEqualTo(2);
    }

    @Test
    void serversThatKeepTheirPaceGetTheMaximumSoon() {
        var c = new ConcurrencyLimit(100, 0);
        rounds(c, 5, n -> 30 * MS, 0); // 5, 10, 20, 40, 80, then 100
        assertThat(c.limit()).isEqualTo(100);
        rounds(c, 50, n -> 30 * MS, 0);
        assertThat(c.limit()).isEqualTo(100);
    }

    @Test
    void aServerThatAnswersSlowerForEachDeliveryUnderWayIsHeldNearTheStart() {
        // a single-threaded server with a backlog: each delivery waits for all the others
        var c = new ConcurrencyLimit(100, 0);
        for (int r = 0; r < 500; r++) {
            rounds(c, 1, n -> n * MS, 0);
            assertThat(c.limit()).isBetween(INITIAL, (int) (2 * INITIAL * TOLERANCE));
        }
        assertThat(c.limit()).isLessThanOrEqualTo((int) (INITIAL * TOLERANCE));
    }

    @Test
    void aServerThatSlowsDownGetsFewerDeliveriesAtOnceButNeverFewerThanAtTheStart() {
        var c = new ConcurrencyLimit(100, 0);
        rounds(c, 10, n -> 10 * MS, 0);
        assertThat(c.limit()).isEqualTo(100);
        c.ended(40 * MS, 0); // a round of 100 at four times the baseline: halved at most
        rounds(c, 1, n -> 40 * MS, 0);
        assertThat(c.limit()).isEqualTo(50);
        rounds(c, 10, n -> 40 * MS, 0);
        assertThat(c.limit()).isEqualTo(INITIAL);
    }

    @Test
    void afterABacklogTheLimitGrowsOneAtATime() {
        var c = new ConcurrencyLimit(100, 0);
        rounds(c, 1, n -> 10 * MS, 0); // baseline 10 ms, limit 10
        rounds(c, 1, n -> 30 * MS, 0); // 10 * 1.5 * 10 / 30 = 5
        assertThat(c.limit()).isEqualTo(5);
        rounds(c, 3, n -> 10 * MS, 0);
        assertThat(c.limit()).isEqualTo(8);
    }

    @Test
    void noisyAnswerTimesWithASteadyMeanStillReachTheMaximum() {
        Random random = new Random(7);
        var c = new ConcurrencyLimit(50, 0);
        for (int i = 0; i < 20_000; i++) c.ended((long) ((0.5 + random.nextDouble()) * 20 * MS), 0);
        assertThat(c.limit()).isGreaterThanOrEqualTo(40);
    }

    @Test
    void deliveriesWithoutATransactionLetTheLimitGrow() { // local mailboxes; or servers that could not be reached
        var c = new ConcurrencyLimit(20, 0);
        for (int i = 0; i < 100; i++) c.ended(-1, 0);
        assertThat(c.limit()).isEqualTo(20);
    }

    @Test
    void theBaselineIsLearntAgainAfterAWhileSoASlowerServerIsNotHeldToItsOldPace() {
        var c = new ConcurrencyLimit(100, 0);
        rounds(c, 10, n -> MS, 0);
        rounds(c, 20, n -> 10 * MS, 1); // the server is now ten times slower, whatever the load
        assertThat(c.limit()).isEqualTo(INITIAL);

        rounds(c, 1, n -> 10 * MS, RELEARN_NANOS + 1); // back to the start, baseline forgotten
        assertThat(c.limit()).isEqualTo(INITIAL);
        rounds(c, 10, n -> 10 * MS, RELEARN_NANOS + 2);
        assertThat(c.limit()).isEqualTo(100);
    }

    @Test
    void eachChangeSaysWhy() {
        var c = new ConcurrencyLimit(100, 0);
        ConcurrencyLimit.Change change = null;
        for (int i = 0; i < INITIAL; i++) change = c.ended(2 * MS, 0);
        assertThat(change).isEqualTo(new ConcurrencyLimit.Change(INITIAL, 2 * INITIAL, 2.0, Double.NaN));
    }
}
