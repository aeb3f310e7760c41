package dev.facteur.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.store.GreylistStore.Seen;
import dev.facteur.store.GreylistStore.Timing;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link GreylistStore} does, as its javadoc says (RFC 6647 greylisting, with postgrey's
 * count of a client's retries): the in-memory one, the embedded one and Redis. A subclass says how
 * to open a fresh, empty store.
 */
public abstract class GreylistStoreContract {

    protected static final Timing TIMING = new Timing(Duration.ofMinutes(5), Duration.ofHours(4), Duration.ofDays(35));
    protected static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");
    private static final String TRIPLET = "192.0.2.0/24|alice@example.org|bob@example.net";
    private static final String CLIENT = "192.0.2.0/24";

    protected GreylistStore store;

    /** A new store, empty, that no other test sees. */
    protected abstract GreylistStore open() throws Exception;

    @BeforeEach
    void openStore() throws Exception {
        store = open();
    }

    @AfterEach
    void closeStore() {
        if (store != null) store.close();
    }

    private Seen at(Duration after) {
        return store.attempt(TRIPLET, T0.plus(after), TIMING);
    }

    @Test
    void aTripletNeverSeenIsFirst() {
        assertThat(store.attempt(TRIPLET, T0, TIMING)).isEqualTo(Seen.FIRST);
        assertThat(store.attempt("192.0.2.0/24|alice@example.org|carol@example.net", T0, TIMING)).as("another recipient").isEqualTo(Seen.FIRST);
    }

    @Test
    void aRetryBeforeTheDelayIsTooEarlyAndDoesNotRestartTheDelay() {
        at(Duration.ZERO);
        assertThat(at(Duration.ofMinutes(1))).isEqualTo(Seen.TOO_EARLY);
        assertThat(at(Duration.ofMinutes(5).minusMillis(1))).isEqualTo(Seen.TOO_EARLY);
        assertThat(at(Duration.ofMinutes(5))).as("the delay counts from the first attempt, not the early retries").isEqualTo(Seen.RETRIED);
    }

    @Test
    void aRetryAfterTheDelayAndWithinTheWindowPassesAndTheTripletIsKnownFromThen() {
        at(Duration.ZERO);
        assertThat(at(Duration.ofHours(4))).as("the last moment of the window").isEqualTo(Seen.RETRIED);
        assertThat(at(Duration.ofHours(4).plusMillis(1))).isEqualTo(Seen.KNOWN);
        assertThat(at(Duration.ofDays(3))).isEqualTo(Seen.KNOWN);
    }

    @Test
    void aTripletNotRetriedWithinTheWindowIsForgottenAndStartsAgain() {
        at(Duration.ZERO);
        at(Duration.ofMinutes(1)); // too early: a retry that does not pass keeps nothing alive
        Duration late = Duration.ofHours(4).plusMillis(1);
        assertThat(at(late)).isEqualTo(Seen.FIRST);
        assertThat(at(late.plusMinutes(4))).as("the new first attempt starts a new delay").isEqualTo(Seen.TOO_EARLY);
        assertThat(at(late.plusMinutes(5))).isEqualTo(Seen.RETRIED);
    }

    @Test
    void aTripletThatPassedIsForgottenALifetimeAfterItsLastAttempt() {
        at(Duration.ZERO);
        at(Duration.ofMinutes(10)); // passes
        Duration end = Duration.ofMinutes(10).plus(TIMING.lifetime());
        assertThat(store.peek(TRIPLET, T0.plus(end), TIMING)).isEqualTo(Seen.KNOWN);
        assertThat(at(end.plusMillis(1))).isEqualTo(Seen.FIRST);
    }

    @Test
    void eachAttemptOfAKnownTripletRefreshesItsLifetime() {
        at(Duration.ZERO);
        at(Duration.ofMinutes(10));
        assertThat(at(Duration.ofDays(30))).isEqualTo(Seen.KNOWN);
        assertThat(at(Duration.ofDays(64))).as("34 days after the last attempt, 64 after the one that passed").isEqualTo(Seen.KNOWN);
    }

    @Test
    void peekSaysWhatAnAttemptWouldFindAndChangesNothing() {
        assertThat(store.peek(TRIPLET, T0, TIMING)).isEqualTo(Seen.FIRST);
        assertThat(at(Duration.ofMinutes(1))).as("peeking made no record").isEqualTo(Seen.FIRST);
        assertThat(store.peek(TRIPLET, T0.plus(Duration.ofMinutes(2)), TIMING)).isEqualTo(Seen.TOO_EARLY);
        assertThat(store.peek(TRIPLET, T0.plus(Duration.ofMinutes(7)), TIMING)).isEqualTo(Seen.RETRIED);
        assertThat(store.peek(TRIPLET, T0.plus(Duration.ofMinutes(8)), TIMING)).as("peeking passed nothing").isEqualTo(Seen.RETRIED);
        assertThat(at(Duration.ofMinutes(9))).isEqualTo(Seen.RETRIED);
        Duration end = Duration.ofMinutes(9).plus(TIMING.lifetime());
        assertThat(store.peek(TRIPLET, T0.plus(end), TIMING)).isEqualTo(Seen.KNOWN);
        assertThat(store.peek(TRIPLET, T0.plus(end).plusMillis(1), TIMING)).as("peeking refreshed nothing").isEqualTo(Seen.FIRST);
    }

    @Test
    void aClientsRetriesCountUpAndAreForgottenALifetimeAfterTheLast() {
        assertThat(store.retries(CLIENT, T0, TIMING)).isZero();
        assertThat(store.retried(CLIENT, T0, TIMING)).isEqualTo(1);
        assertThat(store.retried(CLIENT, T0.plus(Duration.ofDays(30)), TIMING)).isEqualTo(2);
        assertThat(store.retries("198.51.100.0/24", T0, TIMING)).as("another client").isZero();
        Instant end = T0.plus(Duration.ofDays(30)).plus(TIMING.lifetime());
        assertThat(store.retries(CLIENT, end, TIMING)).as("a retry refreshes the count's lifetime").isEqualTo(2);
        assertThat(store.retries(CLIENT, end.plusMillis(1), TIMING)).isZero();
        assertThat(store.retried(CLIENT, end.plusMillis(1), TIMING)).as("counting starts again").isEqualTo(1);
    }

    @Test
    void retriesAndTripletsAreApartEvenUnderTheSameName() {
        store.attempt(CLIENT, T0, TIMING);
        store.attempt(CLIENT, T0.plus(Duration.ofMinutes(6)), TIMING);
        assertThat(store.retries(CLIENT, T0.plus(Duration.ofMinutes(7)), TIMING)).isZero();
        store.retried("x", T0, TIMING);
        assertThat(store.attempt("x", T0, TIMING)).isEqualTo(Seen.FIRST);
    }

    @Test
    void manyAttemptsOfOneTripletAtTheSameInstantFindExactlyOneFirst() throws Exception {
        List<Seen> seen = together(200, () -> store.attempt(TRIPLET, T0, TIMING));
        assertThat(seen).filteredOn(s -> s == Seen.FIRST).hasSize(1);
        assertThat(seen).filteredOn(s -> s == Seen.TOO_EARLY).hasSize(199);
    }

    @Test
    void manyRetriesOfOneClientAtOnceCountEachOnce() throws Exception {
        List<Integer> counts = together(200, () -> store.retried(CLIENT, T0, TIMING));
        assertThat(counts).as("each saw its own count").doesNotHaveDuplicates().hasSize(200).allMatch(n -> n >= 1 && n <= 200);
        assertThat(store.retries(CLIENT, T0, TIMING)).isEqualTo(200);
    }

    /** Runs {@code task} on {@code n} virtual threads released at once; their results. */
    static <T> List<T> together(int n, Callable<T> task) throws Exception {
        var ready = new CountDownLatch(n);
        var go = new CountDownLatch(1);
        try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<T>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                futures.add(threads.submit(() -> {
                    ready.countDown();
                    go.await();
                    return task.call();
                }));
            }
            ready.await();
            go.countDown();
            List<T> results = new ArrayList<>();
            for (Future<T> f : futures) results.add(f.get());
            return results;
        }
    }
}
