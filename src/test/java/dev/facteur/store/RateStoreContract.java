package dev.facteur.store;

import static dev.facteur.store.GreylistStoreContract.together;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link RateStore} does, as its javadoc says: events counted in fixed windows, and
 * the rate over the last window estimated from the current window's count and the previous
 * one's. The in-memory one, the embedded one and Redis; a subclass says how to open a fresh store.
 */
public abstract class RateStoreContract {

    protected static final Duration MINUTE = Duration.ofMinutes(1);
    /** The start of a minute: windows are counted from the epoch. */
    protected static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");
    private static final String KEY = "conn:192.0.2.7";

    protected RateStore store;

    /** A new store, empty, that no other test sees. */
    protected abstract RateStore open() throws Exception;

    @BeforeEach
    void openStore() throws Exception {
        store = open();
    }

    @AfterEach
    void closeStore() {
        if (store != null) store.close();
    }

    private Instant at(int seconds) {
        return T0.plusSeconds(seconds);
    }

    @Test
    void addCountsTheEventsOfTheLastWindowTheseIncluded() {
        assertThat(store.add(KEY, 1, at(0), MINUTE)).isEqualTo(1);
        assertThat(store.add(KEY, 3, at(10), MINUTE)).isEqualTo(4);
        assertThat(store.add(KEY, 1, at(59), MINUTE)).isEqualTo(5);
        assertThat(store.add("conn:192.0.2.8", 1, at(59), MINUTE)).as("another key").isEqualTo(1);
    }

    @Test
    void countChangesNothing() {
        assertThat(store.count(KEY, at(0), MINUTE)).isZero();
        store.add(KEY, 2, at(1), MINUTE);
        assertThat(store.count(KEY, at(2), MINUTE)).isEqualTo(2);
        assertThat(store.count(KEY, at(3), MINUTE)).isEqualTo(2);
        assertThat(store.add(KEY, 1, at(4), MINUTE)).isEqualTo(3);
    }

    @Test
    void thePreviousWindowCountsInProportionToItsPartStillInTheLastMinute() {
        store.add(KEY, 20, at(10), MINUTE);
        assertThat(store.count(KEY, at(60), MINUTE)).as("the previous window whole").isEqualTo(20);
        assertThat(store.count(KEY, at(75), MINUTE)).as("three quarters of it").isEqualTo(15);
        assertThat(store.add(KEY, 2, at(75), MINUTE)).isEqualTo(17);
        assertThat(store.count(KEY, at(105), MINUTE)).as("2 + 20 x 1/4").isEqualTo(7);
        assertThat(store.count(KEY, at(119), MINUTE)).as("2 + 20 x 1/60, rounded").isEqualTo(2);
    }

    @Test
    void eventsOlderThanThePreviousWindowCountNoMore() {
        store.add(KEY, 100, at(0), MINUTE);
        store.add(KEY, 6, at(90), MINUTE);
        assertThat(store.count(KEY, at(150), MINUTE)).as("only the 6, half of them").isEqualTo(3);
        assertThat(store.add(KEY, 1, at(181), MINUTE)).as("the 100 are long gone, the 6 too").isEqualTo(1);
    }

    @Test
    void windowsOfAnotherLengthCountTheSameWay() {
        Duration hour = Duration.ofHours(1);
        store.add(KEY, 40, T0.plus(Duration.ofMinutes(10)), hour);
        assertThat(store.count(KEY, T0.plus(Duration.ofMinutes(90)), hour)).isEqualTo(20);
    }

    @Test
    void aWindowShorterThanAMillisecondIsRefused() {
        assertThatThrownBy(() -> store.add(KEY, 1, T0, Duration.ofNanos(1000))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void manyAddsAtOnceCountExactlyAndEachSeesItselfAndThoseBefore() throws Exception {
        List<Long> seen = together(300, () -> store.add(KEY, 1, at(30), MINUTE));
        assertThat(seen).containsExactlyInAnyOrderElementsOf(LongStream.rangeClosed(1, 300).boxed().toList());
        assertThat(store.count(KEY, at(30), MINUTE)).isEqualTo(300);
    }
}
