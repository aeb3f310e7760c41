package dev.facteur.shaping;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.store.ShapingStore;
import dev.facteur.store.StoreUnavailable;
import dev.facteur.testing.LogCapture;
import dev.facteur.testing.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * What delivery is told before each message and each connection, on an injected clock and the
 * in-memory store: the minute pace, the hourly budget, suspensions, connection leases and the
 * pause between connections, and how replies change them.
 */
class ShaperTest {

    private static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");
    private static final Sites SITES = new Sites(List.of(), SiteLimits.DEFAULTS, Optional::of);

    private final ManualClock clock = ManualClock.at(T0);
    private final Shaper shaper = new Shaper(SITES, Adaptive.DEFAULTS, ShapingStore.inMemory(), clock);

    private static Site google(int connections, int perMinute, int perHour, Duration pause) {
        return new Site("google.com", new SiteLimits(connections, 100, 50, perMinute, perHour, pause));
    }

    private static Instant at(long millis) {
        return T0.plusMillis(millis);
    }

    private static Instant at(Duration d) {
        return T0.plus(d);
    }

    /** Asks for permits as soon and as often as allowed until {@code end}; how many were given. */
    private int admittedUntil(Shaper shaper, Site site, Instant end) {
        int permits = 0;
        while (clock.instant().isBefore(end)) {
            switch (shaper.admit(site)) {
                case Permit p -> permits++;
                case Wait w -> clock.set(w.until());
            }
        }
        return permits;
    }

    // -- admission --

    @Test
    void admitPacesAtTheConfiguredMinuteRateWithABurstOfConnections() {
        Site site = google(3, 60, 0, Duration.ZERO);
        for (int i = 0; i < 3; i++) assertThat(shaper.admit(site)).isEqualTo(new Permit(site, T0.toEpochMilli(), 1000, 0));
        assertThat(shaper.admit(site)).isEqualTo(new Wait(at(1000), "site google.com takes 60/min"));
        clock.set(at(1000));
        assertThat(shaper.admit(site)).isInstanceOf(Permit.class);
        assertThat(shaper.admit(site)).isEqualTo(new Wait(at(2000), "site google.com takes 60/min"));
        assertThat(admittedUntil(shaper, site, at(Duration.ofMinutes(1)))).as("then one a second").isEqualTo(58);
    }

    @Test
    void aSiteWithoutRatesIsNotPaced() {
        Site site = google(20, 0, 0, Duration.ZERO);
        for (int i = 0; i < 1000; i++) assertThat(shaper.admit(site)).isInstanceOf(Permit.class);
    }

    @Test
    void theHourlyBudgetMayBeSpentAtOnceThenComesBackEvenly() {
        Site site = google(20, 0, 10, Duration.ZERO);
        for (int i = 0; i < 10; i++) assertThat(shaper.admit(site)).isInstanceOf(Permit.class);
        assertThat(shaper.admit(site)).isEqualTo(new Wait(at(Duration.ofMinutes(6)), "site google.com takes 10 an hour"));
        clock.set(at(Duration.ofMinutes(6)));
        assertThat(shaper.admit(site)).isInstanceOf(Permit.class);
        assertThat(shaper.admit(site)).isEqualTo(new Wait(at(Duration.ofMinutes(12)), "site google.com takes 10 an hour"));
    }

    @Test
    void whileTheHourlyBudgetIsSpentAskingAgainSpendsNothingOfTheMinutePace() {
        Site site = google(1, 60, 1, Duration.ZERO);
        assertThat(shaper.admit(site)).isInstanceOf(Permit.class);
        clock.set(at(1000));
        var hourly = new Wait(at(Duration.ofHours(1)), "site google.com takes 1 an hour");
        assertThat(shaper.admit(site)).isEqualTo(hourly);
        assertThat(shaper.admit(site)).as("the minute pace was given back").isEqualTo(hourly);
    }

    @Test
    void unusedGivesBackWhatThePermitTook() {
        Site site = google(1, 60, 1, Duration.ZERO);
        var permit = (Permit) shaper.admit(site);
        assertThat(shaper.admit(site)).isInstanceOf(Wait.class);
        shaper.unused(permit);
        assertThat(shaper.admit(site)).as("both the minute's and the hour's").isInstanceOf(Permit.class);
    }

    @Test
    void aSuspendedSiteWaitsUntilTheEndOfItsSuspension() {
        var adaptive = new Adaptive(true, 0.5, 0.1, Duration.ofMinutes(1), 3, Duration.ofMinutes(5), Duration.ofHours(1),
                Duration.ofHours(1), 1);
        var shaper = new Shaper(SITES, adaptive, ShapingStore.inMemory(), clock);
        Site site = google(20, 600, 0, Duration.ZERO);
        var permit = (Permit) shaper.admit(site);
        shaper.slowDown(permit, "421 4.7.0 Try again later, closing connection.");
        shaper.slowDown(permit, "421 4.7.0 Try again later, closing connection.");
        assertThat(shaper.slowDown(permit, "421 4.7.0 Try again later, closing connection.")).isEqualTo(at(Duration.ofMinutes(5)));
        var suspended = new Wait(at(Duration.ofMinutes(5)), "site google.com is suspended until 2026-11-28T10:05:00Z");
        assertThat(shaper.admit(site)).isEqualTo(suspended);
        clock.set(at(Duration.ofMinutes(5).minusMillis(1)));
        assertThat(shaper.admit(site)).isEqualTo(suspended);
        clock.set(at(Duration.ofMinutes(5)));
        assertThat(shaper.admit(site)).isInstanceOf(Permit.class);
    }

    // -- connections --

    @Test
    void openLeasesUpToTheSitesConnectionsThenWaits() {
        Site site = google(2, 0, 0, Duration.ZERO);
        var one = (Lease) shaper.open(site);
        var two = (Lease) shaper.open(site);
        assertThat(one.id()).isNotEqualTo(two.id());
        assertThat(shaper.open(site)).isEqualTo(new Wait(at(Shaper.BUSY.toMillis()), "site google.com has its 2 connections open"));
    }

    @Test
    void openLeasesUpToTheConnectionsTheSiteTaught() {
        Site site = google(8, 600, 0, Duration.ZERO);
        shaper.slowDown((Permit) shaper.admit(site), "421 4.7.0 [TSS04] Messages temporarily deferred due to unexpected volume");
        for (int i = 0; i < 4; i++) assertThat(shaper.open(site)).isInstanceOf(Lease.class);
        assertThat(shaper.open(site)).isEqualTo(new Wait(at(Shaper.BUSY.toMillis()), "site google.com has its 4 connections open"));
    }

    @Test
    void releaseFreesOneConnection() {
        Site site = google(2, 0, 0, Duration.ZERO);
        var one = (Lease) shaper.open(site);
        shaper.open(site);
        shaper.release(one);
        assertThat(shaper.open(site)).isInstanceOf(Lease.class);
        assertThat(shaper.open(site)).as("one, not more").isInstanceOf(Wait.class);
    }

    @Test
    void aConnectionNotRenewedForHalfAnHourIsNoLongerCounted() { // a node that died does not hold its connections
        Site site = google(1, 0, 0, Duration.ZERO);
        var lease = (Lease) shaper.open(site);
        clock.set(at(Duration.ofMinutes(20)));
        shaper.renew(lease);
        clock.set(at(Duration.ofMinutes(50).minusMillis(1)));
        assertThat(shaper.open(site)).as("renewed at 20 min").isInstanceOf(Wait.class);
        clock.set(at(Duration.ofMinutes(50)));
        assertThat(shaper.open(site)).isInstanceOf(Lease.class);
    }

    @Test
    void newConnectionsKeepTheirPause() {
        Site site = google(2, 0, 0, Duration.ofSeconds(2));
        assertThat(shaper.open(site)).isInstanceOf(Lease.class);
        assertThat(shaper.open(site)).isEqualTo(new Wait(at(2000), "site google.com wants 2000 ms between connections"));
        clock.set(at(2000));
        assertThat(shaper.open(site)).as("the connection refused for the pause held nothing").isInstanceOf(Lease.class);
        clock.set(at(4000));
        assertThat(shaper.open(site)).isEqualTo(new Wait(at(4000 + Shaper.BUSY.toMillis()), "site google.com has its 2 connections open"));
    }

    // -- replies --

    @Test
    void aSlowDownLowersTheLimitsAndIsLoggedWithTheSitesName() {
        Site site = google(20, 600, 0, Duration.ZERO);
        try (var log = LogCapture.attach("facteur.shaping")) {
            var permit = (Permit) shaper.admit(site);
            assertThat(shaper.slowDown(permit, "421 4.7.28 unusual rate of unsolicited mail")).as("the next at 300 a minute")
                    .isEqualTo(at(200));
            assertThat(shaper.state(site)).isEqualTo(new SiteState(300, 10, 1, 0, 0, T0.toEpochMilli(), T0.toEpochMilli(), T0.toEpochMilli()));
            assertThat(log.infos()).containsExactly(
                    "site google.com: rate 600/min -> 300/min, connections 20 -> 10 (421 4.7.28 unusual rate of unsolicited mail)");
        }
        int burst = 1;
        while (shaper.admit(site) instanceof Permit) burst++;
        assertThat(burst).as("a burst of the 10 connections left").isEqualTo(10);
        assertThat(((Wait) shaper.admit(site)).reason()).isEqualTo("site google.com takes 300/min");
    }

    @Test
    void aSiteWithNoRateSlowsDownFromThePaceItWasSentAt() {
        Site site = google(20, 0, 0, Duration.ZERO);
        var first = (Permit) shaper.admit(site);
        for (int i = 1; i < 40; i++) {
            clock.set(at(i * 1000L));
            shaper.admit(site);
        }
        // 40 in its first 39 s (nothing the minute before): 61.5 a minute, halved
        assertThat(shaper.slowDown(first, "451 4.7.500 Server busy. Please try again later")).as("30.8 a minute: every 1.95 s")
                .isEqualTo(at(39_000 + 1950));
        assertThat(shaper.state(site).perMinute()).isCloseTo(40 * 60.0 / 39 / 2, org.assertj.core.data.Offset.offset(0.001));
    }

    @Test
    void aSiteSentToTheMinuteBeforeSlowsDownFromTheLastMinutesCount() {
        Site site = google(20, 0, 0, Duration.ZERO);
        shaper.admit(site);
        clock.set(at(60_000));
        var first = (Permit) shaper.admit(site);
        for (int i = 1; i < 20; i++) {
            clock.set(at(60_000 + i * 3000L));
            shaper.admit(site);
        }
        shaper.slowDown(first, "421 4.7.0 Too many messages");
        assertThat(shaper.state(site).perMinute()).as("about 20 in the last minute, halved").isBetween(9.5, 10.5);
    }

    @Test
    void deliveriesBringTheLimitsBackStepByStepAndEachStepIsLogged() {
        Site site = google(20, 600, 0, Duration.ZERO);
        shaper.slowDown((Permit) shaper.admit(site), "421 4.7.0 Too many connections");
        clock.set(at(Duration.ofMinutes(1)));
        try (var log = LogCapture.attach("facteur.shaping")) {
            shaper.delivered((Permit) shaper.admit(site));
            assertThat(shaper.state(site).connections()).isEqualTo(11);
            assertThat(log.infos()).containsExactly("site google.com: rate 300/min -> 330/min, connections 10 -> 11 (recovering) (delivered)");
        }
    }

    @Test
    void withAdaptationOffRepliesChangeNothing() {
        var off = new Adaptive(false, 0.5, 0.1, Duration.ofMinutes(1), 10, Duration.ofMinutes(1), Duration.ofHours(1), Duration.ofHours(1), 1);
        var shaper = new Shaper(SITES, off, ShapingStore.inMemory(), clock);
        Site site = google(20, 600, 0, Duration.ZERO);
        var permit = (Permit) shaper.admit(site);
        // null: the mail is deferred as any other, never postponed to be tried again at once
        for (int i = 0; i < 20; i++) assertThat(shaper.slowDown(permit, "421 4.7.0 Too many connections")).isNull();
        assertThat(shaper.state(site)).isEqualTo(SiteState.FRESH);
    }

    // -- a store that fails --

    /** Redis down: every operation fails. */
    private static final class FailingStore implements ShapingStore {
        private static StoreUnavailable down() {
            return new StoreUnavailable("Redis at 192.0.2.6:6379: Connection refused", null);
        }

        @Override
        public long take(String key, double intervalMillis, double toleranceMillis, long now) {
            throw down();
        }

        @Override
        public void giveBack(String key, double intervalMillis, long now) {
            throw down();
        }

        @Override
        public long taken(String key, long now) {
            throw down();
        }

        @Override
        public boolean lease(String key, String id, int limit, long now, long ttlMillis) {
            throw down();
        }

        @Override
        public void release(String key, String id) {
            throw down();
        }

        @Override
        public String get(String key) {
            throw down();
        }

        @Override
        public boolean replace(String key, String expected, String value, long ttlMillis) {
            throw down();
        }

        @Override
        public void close() {}
    }

    @Test
    void aStoreThatFailsLetsMailThroughAndIsLoggedOnce() {
        var shaper = new Shaper(SITES, Adaptive.DEFAULTS, new FailingStore(), clock);
        Site site = google(1, 1, 1, Duration.ofMinutes(1));
        try (var log = LogCapture.attach("facteur.shaping")) {
            for (int i = 0; i < 3; i++) {
                var permit = (Permit) shaper.admit(site);
                var lease = (Lease) shaper.open(site);
                shaper.renew(lease);
                assertThat(shaper.slowDown(permit, "421 4.7.0 Too many connections")).as("nothing learnt: the configured pace")
                        .isEqualTo(at(Duration.ofMinutes(1)));
                shaper.delivered(permit);
                shaper.unused(permit);
                shaper.release(lease);
            }
            assertThat(log.problems()).containsExactly(
                    "traffic shaping store unavailable (Redis at 192.0.2.6:6379: Connection refused): mail is not held back meanwhile");
        }
    }
}
