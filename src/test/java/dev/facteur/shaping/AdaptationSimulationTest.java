package dev.facteur.shaping;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.store.ShapingStore;
import dev.facteur.testing.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The criterion, on a simulated receiver and an injected clock: against a receiver that
 * takes X messages a minute and answers {@code 421 4.7.0} to the rest, with more mail waiting
 * than it takes, the settled rate lies between X/2 and X, with few refusals (each one only
 * postpones a message: none is refused for good). Each
 * run lasts two simulated hours; the first twenty minutes are the settling.
 */
class AdaptationSimulationTest {

    /** A receiver's budget: X a minute over a sliding minute, or per calendar minute. */
    private static final class Receiver {
        final int perMinute;
        final boolean fixedWindow;
        final ArrayDeque<Long> accepted = new ArrayDeque<>();
        long window = -1;
        int inWindow;

        Receiver(int perMinute, boolean fixedWindow) {
            this.perMinute = perMinute;
            this.fixedWindow = fixedWindow;
        }

        boolean takes(long now) {
            if (fixedWindow) {
                if (now / 60_000 != window) {
                    window = now / 60_000;
                    inWindow = 0;
                }
                return inWindow++ < perMinute;
            }
            while (!accepted.isEmpty() && accepted.peekFirst() <= now - 60_000) accepted.pollFirst();
            if (accepted.size() >= perMinute) return false;
            accepted.addLast(now);
            return true;
        }
    }

    private record Run(double settledPerMinute, int worstFiveMinutes, int refused, int delivered) {}

    private static Run simulate(int x, boolean fixedWindow, Duration transaction) {
        ManualClock clock = ManualClock.at(Instant.parse("2026-12-01T00:00:00Z"));
        var shaper = new Shaper(new Sites(List.of(), SiteLimits.DEFAULTS, d -> Optional.of(d)), Adaptive.DEFAULTS,
                ShapingStore.inMemory(), clock);
        Site site = shaper.site("big.example", List.of("mx.big.example"));
        var receiver = new Receiver(x, fixedWindow);
        long start = clock.millis();
        long end = start + Duration.ofHours(2).toMillis();
        int[] perMinute = new int[120];
        int refused = 0;
        int delivered = 0;
        while (clock.millis() < end) {
            switch (shaper.admit(site)) {
                case Wait w -> clock.set(w.until().isAfter(clock.instant()) ? w.until() : clock.instant().plusMillis(1));
                case Permit p -> {
                    if (receiver.takes(clock.millis())) {
                        shaper.delivered(p);
                        perMinute[(int) ((clock.millis() - start) / 60_000)]++;
                        delivered++;
                    } else {
                        shaper.slowDown(p, "421 4.7.0 Too many messages, slow down");
                        refused++;
                    }
                    clock.advance(transaction);
                }
            }
        }
        int settled = 0;
        int worst = Integer.MAX_VALUE;
        for (int m = 20; m < 120; m++) settled += perMinute[m];
        for (int m = 20; m + 5 <= 120; m += 5) {
            int sum = 0;
            for (int k = m; k < m + 5; k++) sum += perMinute[k];
            worst = Math.min(worst, sum);
        }
        return new Run(settled / 100.0, worst, refused, delivered);
    }

    @ParameterizedTest(name = "X = {0} a minute, fixed window: {1}")
    @CsvSource({"60, false", "600, false", "6000, false", "60, true", "600, true", "6000, true"})
    void settlesBetweenHalfAndAllOfWhatTheReceiverTakes(int x, boolean fixedWindow) {
        Run run = simulate(x, fixedWindow, Duration.ofMillis(5));
        System.out.printf("X=%d/min %s window: settled %.1f/min (%.2f X), worst 5 minutes %.2f X, %d refused with 421 (retried), %d delivered%n",
                x, fixedWindow ? "fixed" : "sliding", run.settledPerMinute(), run.settledPerMinute() / x,
                run.worstFiveMinutes() / 5.0 / x, run.refused(), run.delivered());
        assertThat(run.settledPerMinute()).isBetween(0.5 * x, 1.0 * x);
        // a sender that did not adapt would also deliver X a minute, by hammering the receiver for it
        assertThat(run.refused()).as("refusals").isLessThan(run.delivered() / 50);
    }
}
