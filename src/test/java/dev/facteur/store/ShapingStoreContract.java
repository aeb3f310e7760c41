package dev.facteur.store;

import static dev.facteur.store.GreylistStoreContract.together;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link ShapingStore} does, as its javadoc says: budgets paced by a generic cell rate
 * algorithm (GCRA) and counted over the last minute, leases with a limit and a lifetime, and
 * values replaced by compare-and-set. Times are the caller's, in ms. The local one and Redis; a
 * subclass says how to open a fresh store.
 */
public abstract class ShapingStoreContract {

    /** The start of a minute: the counting windows are minutes since the epoch. */
    protected static final long T0 = Instant.parse("2026-11-28T10:00:00Z").toEpochMilli();
    protected static final String KEY = "m:google.com";

    protected ShapingStore store;

    /** A new store, empty, that no other test sees. */
    protected abstract ShapingStore open() throws Exception;

    @BeforeEach
    void openStore() throws Exception {
        store = open();
    }

    @AfterEach
    void closeStore() {
        if (store != null) store.close();
    }

    // -- the pace (GCRA) --

    @Test
    void withNoToleranceOneMessageIsTakenEachInterval() {
        assertThat(store.take(KEY, 1000, 0, T0)).as("the first").isZero();
        assertThat(store.take(KEY, 1000, 0, T0)).as("a second at once").isEqualTo(1000);
        assertThat(store.take(KEY, 1000, 0, T0 + 1000)).as("one interval later").isZero();
        assertThat(store.take(KEY, 1000, 0, T0 + 1999)).isEqualTo(1);
        assertThat(store.take(KEY, 1000, 0, T0 + 2000)).isZero();
    }

    @Test
    void theWaitIsExactToTheMillisecond() {
        store.take(KEY, 1000, 0, T0);
        assertThat(store.take(KEY, 1000, 0, T0 + 250)).isEqualTo(750);
        assertThat(store.take(KEY, 1000, 0, T0 + 999)).isEqualTo(1);
        assertThat(store.take(KEY, 1000, 0, T0 + 1000)).as("asked again when told: taken").isZero();
    }

    @Test
    void aWaitOfAFractionOfAMillisecondIsRoundedUpNeverEarly() {
        store.take(KEY, 1500.25, 0, T0);
        assertThat(store.take(KEY, 1500.25, 0, T0)).isEqualTo(1501);
        assertThat(store.take(KEY, 1500.25, 0, T0 + 1500)).as("0.25 ms to go: at least 1, as 0 would mean taken").isEqualTo(1);
        assertThat(store.take(KEY, 1500.25, 0, T0 + 1501)).isZero();
    }

    @Test
    void theToleranceAllowsABurstOfOnePlusToleranceOverInterval() {
        // 1 + 2500 / 1000 = 3.5: three at once, the fourth when the pace has caught up
        for (int i = 0; i < 3; i++) assertThat(store.take(KEY, 1000, 2500, T0)).as("message %d of the burst", i + 1).isZero();
        assertThat(store.take(KEY, 1000, 2500, T0)).as("three intervals taken, 2500 ms ahead allowed").isEqualTo(500);
        assertThat(store.take(KEY, 1000, 2500, T0 + 500)).isZero();
        assertThat(store.take(KEY, 1000, 2500, T0 + 500)).as("then the pace").isEqualTo(1000);
    }

    @Test
    void anIdleBudgetBanksNoMoreThanTheBurst() {
        store.take(KEY, 1000, 1000, T0);
        long later = T0 + 3_600_000;
        assertThat(store.take(KEY, 1000, 1000, later)).isZero();
        assertThat(store.take(KEY, 1000, 1000, later)).isZero();
        assertThat(store.take(KEY, 1000, 1000, later)).as("an hour idle is still a burst of two").isEqualTo(1000);
    }

    @Test
    void fractionalIntervalsKeepTheirPace() {
        // 100,000 a minute is one every 0.6 ms; callers ask in whole ms, as often as told
        double interval = 60_000.0 / 100_000;
        double tolerance = interval * 19; // a burst of 20, as the shaper asks for 20 connections
        long now = T0;
        int taken = 0;
        while (now < T0 + 6000) {
            long wait = store.take(KEY, interval, tolerance, now);
            if (wait == 0) taken++;
            else now += wait;
        }
        assertThat(taken).as("6 s at 100,000 a minute, and the burst").isBetween(10_000, 10_000 + 20);
        assertThat(store.taken(KEY, now)).isEqualTo(taken);
    }

    @Test
    void anIntervalOfZeroTakesFromNoBudgetAndOnlyCounts() {
        for (int i = 0; i < 1000; i++) assertThat(store.take(KEY, 0, 0, T0)).isZero();
        assertThat(store.taken(KEY, T0)).isEqualTo(1000);
        assertThat(store.take(KEY, 1000, 0, T0)).as("and set no pace for later").isZero();
    }

    @Test
    void giveBackReturnsOneMessage() {
        store.take(KEY, 1000, 1000, T0);
        store.take(KEY, 1000, 1000, T0);
        assertThat(store.take(KEY, 1000, 1000, T0)).isEqualTo(1000);
        store.giveBack(KEY, 1000, T0);
        assertThat(store.take(KEY, 1000, 1000, T0)).as("the one given back").isZero();
        assertThat(store.take(KEY, 1000, 1000, T0)).as("one, not more").isEqualTo(1000);
        assertThat(store.taken(KEY, T0)).as("what was given back is not counted as sent").isEqualTo(2);
    }

    @Test
    void givingBackToAnIdleBudgetBanksNothing() {
        store.take(KEY, 1000, 0, T0);
        long later = T0 + 10_000;
        store.giveBack(KEY, 1000, later);
        store.giveBack(KEY, 1000, later);
        assertThat(store.take(KEY, 1000, 0, later)).isZero();
        assertThat(store.take(KEY, 1000, 0, later)).as("no credit from the past").isEqualTo(1000);
    }

    @Test
    void givingBackToABudgetNeverTakenFromChangesNothing() {
        store.giveBack(KEY, 1000, T0);
        assertThat(store.taken(KEY, T0)).isZero();
        assertThat(store.take(KEY, 1000, 0, T0)).isZero();
        assertThat(store.take(KEY, 1000, 0, T0)).isEqualTo(1000);
    }

    @Test
    void budgetsOfTwoKeysAreApart() {
        store.take(KEY, 60_000, 0, T0);
        assertThat(store.take("m:outlook.com", 60_000, 0, T0)).isZero();
        assertThat(store.taken("m:outlook.com", T0)).isEqualTo(1);
    }

    @Test
    void manyTakesAtOnceTakeExactlyTheBurst() throws Exception {
        List<Long> waits = together(200, () -> store.take(KEY, 1000, 9000, T0));
        assertThat(waits).filteredOn(w -> w == 0).hasSize(10);
        assertThat(waits).filteredOn(w -> w > 0).allMatch(w -> w >= 1 && w <= 1000);
        assertThat(store.taken(KEY, T0)).isEqualTo(10);
    }

    // -- what was taken over the last minute --

    @Test
    void takenIsZeroForABudgetNeverTakenFrom() {
        assertThat(store.taken(KEY, T0)).isZero();
    }

    @Test
    void takenCountsTheCurrentMinuteAndThePreviousInProportionToItsPartStillInTheLastMinute() {
        for (int i = 0; i < 20; i++) store.take(KEY, 0, 0, T0 + 10_000);
        assertThat(store.taken(KEY, T0 + 59_999)).isEqualTo(20);
        assertThat(store.taken(KEY, T0 + 60_000)).as("across the minute: the previous whole").isEqualTo(20);
        assertThat(store.taken(KEY, T0 + 75_000)).as("three quarters of it").isEqualTo(15);
        store.take(KEY, 0, 0, T0 + 75_000);
        store.take(KEY, 0, 0, T0 + 75_000);
        assertThat(store.taken(KEY, T0 + 75_000)).isEqualTo(17);
        assertThat(store.taken(KEY, T0 + 105_000)).as("2 + 20 x 1/4").isEqualTo(7);
        assertThat(store.taken(KEY, T0 + 119_000)).as("2 + 20 x 1/60, rounded").isEqualTo(2);
        assertThat(store.taken(KEY, T0 + 150_000)).as("the 20 are gone, half the 2").isEqualTo(1);
        assertThat(store.taken(KEY, T0 + 180_000)).as("all gone").isZero();
    }

    @Test
    void aMinuteWithNothingTakenLeavesNothingOfTheMinutesBefore() {
        for (int i = 0; i < 20; i++) store.take(KEY, 0, 0, T0 + 10_000);
        store.take(KEY, 0, 0, T0 + 130_000);
        assertThat(store.taken(KEY, T0 + 130_000)).as("the minute from 60 s to 120 s took nothing").isEqualTo(1);
    }

    @Test
    void takenCountsOnlyWhatWasTaken() {
        store.take(KEY, 1000, 0, T0);
        store.take(KEY, 1000, 0, T0);
        store.take(KEY, 1000, 0, T0);
        assertThat(store.taken(KEY, T0)).as("two were refused").isEqualTo(1);
    }

    // -- leases --

    @Test
    void leasesAreHeldUpToTheLimit() {
        assertThat(store.lease(KEY, "a", 2, T0, 60_000)).isTrue();
        assertThat(store.lease(KEY, "b", 2, T0, 60_000)).isTrue();
        assertThat(store.lease(KEY, "c", 2, T0, 60_000)).as("a third of two").isFalse();
        assertThat(store.lease("c:outlook.com", "c", 2, T0, 60_000)).as("another key's leases are apart").isTrue();
    }

    @Test
    void aHeldLeaseIsRenewedEvenBeyondTheLimit() {
        store.lease(KEY, "a", 2, T0, 1000);
        store.lease(KEY, "b", 2, T0, 1000);
        assertThat(store.lease(KEY, "a", 1, T0 + 500, 1000)).as("the limit went down to 1; a is held already").isTrue();
        assertThat(store.lease(KEY, "c", 2, T0 + 1200, 1000)).as("b lapsed at T0 + 1000").isTrue();
        assertThat(store.lease(KEY, "d", 2, T0 + 1200, 1000)).as("a was renewed until T0 + 1500").isFalse();
    }

    @Test
    void aLeaseLapsesAfterItsTtl() {
        store.lease(KEY, "a", 1, T0, 1000);
        assertThat(store.lease(KEY, "b", 1, T0 + 999, 1000)).isFalse();
        assertThat(store.lease(KEY, "b", 1, T0 + 1000, 1000)).as("held until T0 + 1000, not at it").isTrue();
    }

    @Test
    void aReleasedLeaseFreesItsPlace() {
        store.lease(KEY, "a", 1, T0, 60_000);
        store.release(KEY, "a");
        assertThat(store.lease(KEY, "b", 1, T0, 60_000)).isTrue();
        store.release(KEY, "unknown");
        store.release("c:never.example", "a");
        assertThat(store.lease(KEY, "c", 1, T0, 60_000)).as("releasing what is not held frees nothing").isFalse();
    }

    @Test
    void manyLeasesAtOnceHoldExactlyTheLimit() throws Exception {
        var ids = new AtomicInteger();
        List<Boolean> held = together(100, () -> store.lease(KEY, "node-" + ids.incrementAndGet(), 5, T0, 60_000));
        assertThat(held).filteredOn(h -> h).hasSize(5);
    }

    // -- values --

    @Test
    void aValueIsAbsentUntilSet() {
        assertThat(store.get("s:google.com")).isNull();
        assertThat(store.replace("s:google.com", null, "1;30.0", 60_000)).as("expected absent, and absent").isTrue();
        assertThat(store.get("s:google.com")).isEqualTo("1;30.0");
        assertThat(store.get("s:outlook.com")).isNull();
    }

    @Test
    void replaceSetsTheValueOnlyIfItStillHoldsTheExpectedOne() {
        store.replace("s:google.com", null, "one", 60_000);
        assertThat(store.replace("s:google.com", null, "two", 60_000)).as("expected absent, but present").isFalse();
        assertThat(store.replace("s:google.com", "zero", "two", 60_000)).as("another value expected").isFalse();
        assertThat(store.get("s:google.com")).isEqualTo("one");
        assertThat(store.replace("s:google.com", "one", "two", 60_000)).isTrue();
        assertThat(store.get("s:google.com")).isEqualTo("two");
        assertThat(store.replace("s:outlook.com", "one", "two", 60_000)).as("a value expected, none there").isFalse();
        assertThat(store.get("s:outlook.com")).isNull();
    }

    @Test
    void manyReplacesOfOneValueAtOnceSetItOnce() throws Exception {
        var n = new AtomicInteger();
        List<Boolean> set = together(100, () -> store.replace("s:google.com", null, "v" + n.incrementAndGet(), 60_000));
        assertThat(set).filteredOn(s -> s).hasSize(1);
    }

    @Test
    void aBudgetLeasesAndAValueUnderOneKeyAreApart() {
        store.take("google.com", 60_000, 0, T0);
        store.lease("google.com", "a", 1, T0, 60_000);
        assertThat(store.get("google.com")).isNull();
        assertThat(store.replace("google.com", null, "v", 60_000)).isTrue();
        assertThat(store.take("google.com", 60_000, 0, T0)).isEqualTo(60_000);
        assertThat(store.lease("google.com", "b", 1, T0, 60_000)).isFalse();
    }
}
