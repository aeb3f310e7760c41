package dev.facteur.shaping;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each rule of {@link Adaptation}'s javadoc, on the default settings (decrease 0.5, recovery 10%,
 * interval 1 min, suspension after 10 replies for 1 min doubling up to 1 h, forget after 1 h,
 * floor 1 a minute) unless a test says otherwise, and the state's stored form.
 */
class AdaptationTest {

    private static final long T = Instant.parse("2026-11-28T10:00:00Z").toEpochMilli();
    private static final long SECOND = 1000;
    private static final long MINUTE = 60 * SECOND;
    private static final long HOUR = 60 * MINUTE;
    /** 20 connections, 600 a minute. */
    private static final SiteLimits LIMITS = new SiteLimits(20, 100, 50, 600, 0, Duration.ZERO);
    /** 20 connections, no rate configured. */
    private static final SiteLimits NO_RATE = new SiteLimits(20, 100, 50, 0, 0, Duration.ZERO);

    private final Adaptation adaptation = new Adaptation(Adaptive.DEFAULTS);

    private static Adaptive settings(double decrease, double floorPerMinute) {
        var d = Adaptive.DEFAULTS;
        return new Adaptive(true, decrease, d.recovery(), d.interval(), d.suspendAfter(), d.suspendFirst(), d.suspendMax(),
                d.forgetAfter(), floorPerMinute);
    }

    /** A site that learnt {@code perMinute} and {@code connections}, its last decrease, change and slow-down at {@code at}. */
    private static SiteState learnt(double perMinute, int connections, long at) {
        return new SiteState(perMinute, connections, 0, 0, 0, at, at, at);
    }

    // -- slow down --

    @Test
    void aSlowDownMultipliesTheRateAndTheConnectionsByTheDecrease() {
        var step = adaptation.slowDown(SiteState.FRESH, LIMITS, T, 0, T);
        assertThat(step.state()).isEqualTo(new SiteState(300, 10, 1, 0, 0, T, T, T));
        assertThat(step.change()).isEqualTo("rate 600/min -> 300/min, connections 20 -> 10");

        var byAQuarter = new Adaptation(settings(0.75, 1)).slowDown(SiteState.FRESH, LIMITS, T, 0, T);
        assertThat(byAQuarter.state().perMinute()).isEqualTo(450);
        assertThat(byAQuarter.state().connections()).isEqualTo(15);
    }

    @Test
    void aSlowDownStartsFromTheLearntLimitsWhenLowerThanTheConfiguredOnes() {
        var s = adaptation.slowDown(learnt(100, 4, T - HOUR / 2), LIMITS, T, 0, T).state();
        assertThat(s.perMinute()).isEqualTo(50);
        assertThat(s.connections()).isEqualTo(2);
    }

    @Test
    void theRateNeverGoesBelowTheFloor() {
        assertThat(adaptation.slowDown(learnt(1.5, 4, T - HOUR / 2), LIMITS, T, 0, T).state().perMinute()).isEqualTo(1);
        assertThat(new Adaptation(settings(0.5, 10)).slowDown(learnt(12, 4, T - HOUR / 2), LIMITS, T, 0, T).state().perMinute())
                .isEqualTo(10);
    }

    @Test
    void oneConnectionAtLeast() {
        assertThat(adaptation.slowDown(learnt(100, 3, T - HOUR / 2), LIMITS, T, 0, T).state().connections()).isEqualTo(1);
        assertThat(adaptation.slowDown(learnt(100, 1, T - HOUR / 2), LIMITS, T, 0, T).state().connections()).isEqualTo(1);
    }

    @Test
    void noSecondDecreaseWithinTheInterval() {
        var first = adaptation.slowDown(SiteState.FRESH, LIMITS, T, 0, T).state();
        var soon = adaptation.slowDown(first, LIMITS, T + SECOND, 0, T + MINUTE - 1);
        assertThat(soon.state().perMinute()).isEqualTo(300);
        assertThat(soon.state().connections()).isEqualTo(10);
        assertThat(soon.state().strikes()).as("it counts towards a suspension all the same").isEqualTo(2);
        assertThat(soon.change()).as("nothing to log").isNull();
        var later = adaptation.slowDown(soon.state(), LIMITS, T + SECOND, 0, T + MINUTE).state();
        assertThat(later.perMinute()).isEqualTo(150);
        assertThat(later.connections()).isEqualTo(5);
    }

    @Test
    void noDecreaseForMailAdmittedBeforeTheLastDecrease() {
        var first = adaptation.slowDown(SiteState.FRESH, LIMITS, T, 0, T).state();
        var oldPace = adaptation.slowDown(first, LIMITS, T - 1, 0, T + 10 * MINUTE);
        assertThat(oldPace.state().perMinute()).as("a reply to mail sent at 600 a minute says nothing of 300").isEqualTo(300);
        assertThat(oldPace.state().strikes()).isEqualTo(2);
        var newPace = adaptation.slowDown(oldPace.state(), LIMITS, T + 1, 0, T + 10 * MINUTE);
        assertThat(newPace.state().perMinute()).isEqualTo(150);
    }

    @Test
    void aSiteWithNoRateStartsFromWhatWasSentInTheLastMinute() {
        var step = adaptation.slowDown(SiteState.FRESH, NO_RATE, T, 400, T);
        assertThat(step.state().perMinute()).isEqualTo(200);
        assertThat(step.change()).isEqualTo("rate unlimited -> 200/min, connections 20 -> 10");
        assertThat(adaptation.slowDown(SiteState.FRESH, NO_RATE, T, 0, T).state().perMinute()).as("nothing sent: the floor")
                .isEqualTo(1);
        assertThat(adaptation.slowDown(learnt(300, 10, T - HOUR / 2), NO_RATE, T, 1000, T).state().perMinute())
                .as("a rate learnt already is the start").isEqualTo(150);
    }

    // -- suspend --

    /** {@code n} slow-down replies at {@code now}, to mail admitted then. */
    private SiteState slowDowns(SiteState s, int n, long now) {
        for (int i = 0; i < n; i++) s = adaptation.slowDown(s, LIMITS, now, 0, now).state();
        return s;
    }

    @Test
    void suspendAfterRepliesInARowSuspendsTheSite() {
        SiteState nine = slowDowns(SiteState.FRESH, 9, T);
        assertThat(nine.suspendedUntil()).isZero();
        assertThat(nine.strikes()).isEqualTo(9);
        var tenth = adaptation.slowDown(nine, LIMITS, T, 0, T + SECOND);
        assertThat(tenth.state().suspendedUntil()).isEqualTo(T + SECOND + MINUTE);
        assertThat(tenth.state().suspensions()).isEqualTo(1);
        assertThat(tenth.state().strikes()).as("counting starts again").isZero();
        assertThat(tenth.change()).isEqualTo("suspended for 1 min after 10 slow-down replies in a row");
    }

    @Test
    void eachSuspensionInARowDoublesUpToTheLongest() {
        List<Long> minutes = new ArrayList<>();
        SiteState s = SiteState.FRESH;
        for (int k = 0; k < 9; k++) {
            long now = T + k * HOUR / 4;
            s = slowDowns(s, 10, now);
            minutes.add((s.suspendedUntil() - now) / MINUTE);
        }
        assertThat(minutes).containsExactly(1L, 2L, 4L, 8L, 16L, 32L, 60L, 60L, 60L);
        SiteState many = new SiteState(300, 10, 9, 0, 1000, T - HOUR, T - HOUR, T - HOUR);
        assertThat(adaptation.slowDown(many, LIMITS, T, 0, T).state().suspendedUntil()).as("after 1000 in a row").isEqualTo(T + HOUR);
    }

    @Test
    void aDeliveryResetsTheStrikesAndTheSuspensionCount() {
        SiteState s = slowDowns(slowDowns(SiteState.FRESH, 10, T), 14, T + MINUTE);
        assertThat(s.suspensions()).isEqualTo(2);
        assertThat(s.strikes()).isEqualTo(4);
        long suspendedUntil = s.suspendedUntil();
        SiteState after = adaptation.delivered(s, LIMITS, T + MINUTE + 1).state();
        assertThat(after.strikes()).isZero();
        assertThat(after.suspensions()).isZero();
        assertThat(after.suspendedUntil()).as("a delivery of mail in flight does not end the suspension").isEqualTo(suspendedUntil);
        assertThat(after.perMinute()).isEqualTo(s.perMinute());
        SiteState again = slowDowns(after, 10, T + 2 * MINUTE);
        assertThat(again.suspendedUntil()).as("the first suspension's length again").isEqualTo(T + 3 * MINUTE);
    }

    // -- recover --

    @Test
    void eachIntervalWithDeliveriesAndNoSlowDownAddsTheRecoveryAndOneConnection() {
        var first = adaptation.delivered(learnt(300, 10, T), LIMITS, T + MINUTE);
        assertThat(first.state().perMinute()).isCloseTo(330, within());
        assertThat(first.state().connections()).isEqualTo(11);
        assertThat(first.state().changedAt()).isEqualTo(T + MINUTE);
        assertThat(first.change()).isEqualTo("rate 300/min -> 330/min, connections 10 -> 11 (recovering)");
        var sameInterval = adaptation.delivered(first.state(), LIMITS, T + MINUTE + 30 * SECOND);
        assertThat(sameInterval.state()).isEqualTo(first.state());
        assertThat(sameInterval.change()).isNull();
        var next = adaptation.delivered(first.state(), LIMITS, T + 2 * MINUTE).state();
        assertThat(next.perMinute()).isCloseTo(363, within());
        assertThat(next.connections()).isEqualTo(12);
    }

    @Test
    void noRecoveryWithinAnIntervalOfASlowDown() {
        // decreased ten minutes ago; a reply to mail sent at the old pace came just now
        SiteState s = new SiteState(300, 10, 0, 0, 0, T - 10 * MINUTE, T - 10 * MINUTE, T);
        assertThat(adaptation.delivered(s, LIMITS, T + MINUTE - 1).state().perMinute()).isEqualTo(300);
        assertThat(adaptation.delivered(s, LIMITS, T + MINUTE).state().perMinute()).isCloseTo(330, within());
    }

    @Test
    void noRecoveryWithoutDeliveriesToSeeTheSiteTakeMore() {
        // ten quiet minutes are one step when mail comes again, not ten
        var s = adaptation.delivered(learnt(300, 10, T), LIMITS, T + 10 * MINUTE).state();
        assertThat(s.perMinute()).isCloseTo(330, within());
        assertThat(s.connections()).isEqualTo(11);
    }

    @Test
    void backToFreshOnceBothRateAndConnectionsAreAtTheConfiguredLimits() {
        var back = adaptation.delivered(learnt(560, 19, T), LIMITS, T + MINUTE);
        assertThat(back.state()).isEqualTo(SiteState.FRESH);
        assertThat(back.change()).isEqualTo("rate 560/min -> configured 600/min, connections 19 -> 20 (recovered)");

        SiteState rateOnly = adaptation.delivered(learnt(560, 5, T), LIMITS, T + MINUTE).state();
        assertThat(rateOnly.learnt()).as("connections still at 6").isTrue();
        assertThat(rateOnly.perMinute(LIMITS)).as("never above the configured rate").isEqualTo(600);
        assertThat(rateOnly.connections(LIMITS)).isEqualTo(6);

        SiteState connectionsOnly = adaptation.delivered(learnt(100, 19, T), LIMITS, T + MINUTE).state();
        assertThat(connectionsOnly.learnt()).as("rate still at 110").isTrue();
        assertThat(connectionsOnly.connections(LIMITS)).isEqualTo(20);
    }

    @Test
    void aSiteWithNoConfiguredRateRecoversByForgetting() {
        SiteState s = adaptation.delivered(learnt(1000, 20, T), NO_RATE, T + MINUTE).state();
        assertThat(s.learnt()).as("no rate to come back to").isTrue();
        assertThat(s.perMinute()).isCloseTo(1100, within());
    }

    @Test
    void backToFreshAfterForgetAfterWithoutASlowDown() {
        var forgotten = adaptation.delivered(learnt(10, 1, T), LIMITS, T + HOUR);
        assertThat(forgotten.state()).isEqualTo(SiteState.FRESH);
        assertThat(forgotten.change()).isEqualTo("no slow-down for 1 h: back to the configured limits");
        assertThat(adaptation.delivered(learnt(10, 1, T), LIMITS, T + HOUR - 1).state().perMinute()).isCloseTo(11, within());
    }

    @Test
    void aFreshSiteStaysFreshWhenMailIsDelivered() {
        var step = adaptation.delivered(SiteState.FRESH, LIMITS, T);
        assertThat(step.state()).isSameAs(SiteState.FRESH);
        assertThat(step.change()).isNull();
    }

    private static Offset<Double> within() {
        return Offset.offset(1e-9);
    }

    // -- the stored form --

    @Test
    void aStateReadsBackAsItWasWritten() {
        var s = new SiteState(12.345, 3, 4, T + HOUR, 2, T - 1, T - 2, T - 3);
        assertThat(SiteState.decode(s.encode())).isEqualTo(s);
        assertThat(SiteState.decode(SiteState.FRESH.encode())).isEqualTo(SiteState.FRESH);
    }

    @Test
    void theStoredFormIsVersionedAndNamesNoLocale() {
        // every node reads what the others wrote: the form is pinned
        assertThat(new SiteState(12.5, 3, 4, 1_764_324_000_000L, 2, 5, 6, 7).encode()).isEqualTo("1;12.5;3;4;1764324000000;2;5;6;7");
        assertThat(SiteState.FRESH.encode()).isEqualTo("1;inf;0;0;0;0;0;0;0");
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"garbage", "1;inf;0;0;0;0;0;0", "1;inf;0;0;0;0;0;0;0;0", "2;inf;0;0;0;0;0;0;0", "1;fast;0;0;0;0;0;0;0",
            "1;12,5;3;4;0;2;5;6;7", "1;12.5;three;4;0;2;5;6;7", "1;12.5;3;4;0;2;5;6;99999999999999999999"})
    void whatDoesNotReadBackIsFresh(String stored) {
        assertThat(SiteState.decode(stored)).isEqualTo(SiteState.FRESH);
    }
}
