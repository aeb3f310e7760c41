package dev.facteur.shaping;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.store.ShapingStore;
import dev.facteur.testing.ManualClock;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which local address a message leaves from: pools by sender domain, turns, family, warm-up budgets. */
class SourceAddressesTest {

    private final ManualClock clock = ManualClock.at(Instant.parse("2026-12-01T10:00:00Z"));
    private static final LocalDate TODAY = LocalDate.parse("2026-12-01");
    private static final InetAddress V4_SERVER = address("127.0.0.99");
    private static final InetAddress V6_SERVER = address("::1");

    private static InetAddress address(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static Source source(String pool, String ip, LocalDate warming) {
        return new Source(pool, address(ip), "out-" + ip.replace(':', '-').replace('.', '-') + ".example.org", warming);
    }

    private SourceAddresses sources(List<Source> sources, List<Pool> pools, WarmUp warmUp) {
        return new SourceAddresses(sources, pools, warmUp, ShapingStore.inMemory(), clock);
    }

    private static String used(SourceAddresses.Pick p) {
        return ((SourceAddresses.Pick.Use) p).source().address().getHostAddress();
    }

    @Test
    void aSenderDomainUsesTheFirstPoolThatNamesItOrItsParentElseTheDefaultPool() {
        var s = sources(List.of(source("bulk", "127.0.0.2", null), source("default", "127.0.0.3", null)),
                List.of(new Pool("bulk", List.of("news.example.org"), null)), WarmUp.DEFAULTS);
        assertThat(s.poolFor("news.example.org")).isEqualTo("bulk");
        assertThat(s.poolFor("eu.news.example.org")).isEqualTo("bulk");
        assertThat(s.poolFor("example.org")).isEqualTo("default");
        assertThat(sources(List.of(source("bulk", "127.0.0.2", null)), List.of(), WarmUp.DEFAULTS).poolFor("other.example")).isNull();
    }

    @Test
    void withoutAPoolTheSystemChoosesTheAddress() {
        assertThat(SourceAddresses.NONE.pick(null, V4_SERVER)).isInstanceOf(SourceAddresses.Pick.Any.class);
    }

    @Test
    void thePoolsAddressesTakeTurnsAndOnlyThoseOfTheServersFamily() {
        var s = sources(List.of(source("p", "127.0.0.2", null), source("p", "127.0.0.3", null), source("p", "::1", null)), List.of(),
                WarmUp.DEFAULTS);
        List<String> picks = new ArrayList<>();
        for (int i = 0; i < 4; i++) picks.add(used(s.pick("p", V4_SERVER)));
        assertThat(picks).containsExactly("127.0.0.2", "127.0.0.3", "127.0.0.2", "127.0.0.3");
        assertThat(used(s.pick("p", V6_SERVER))).isEqualTo("0:0:0:0:0:0:0:1");
        var v4only = sources(List.of(source("p", "127.0.0.2", null)), List.of(), WarmUp.DEFAULTS);
        assertThat(v4only.pick("p", V6_SERVER)).isEqualTo(new SourceAddresses.Pick.NoneOfFamily("p"));
    }

    @Test
    void anAddressWarmingUpIsPreferredWhileItsHourlyBudgetLastsThenTheWarmOnesTakeOver() {
        var warmUp = new WarmUp(List.of(2, 4)); // 2 an hour on its first day, 4 on the second, then warm
        var s = sources(List.of(source("p", "127.0.0.2", null), source("p", "127.0.0.7", TODAY)), List.of(), warmUp);
        List<String> picks = new ArrayList<>();
        for (int i = 0; i < 4; i++) picks.add(used(s.pick("p", V4_SERVER)));
        assertThat(picks).containsExactly("127.0.0.7", "127.0.0.7", "127.0.0.2", "127.0.0.2");
    }

    @Test
    void aPoolOfAddressesThatHaveAllSpentTheirWarmUpBudgetWaits() {
        var warmUp = new WarmUp(List.of(2));
        var s = sources(List.of(source("p", "127.0.0.7", TODAY)), List.of(), warmUp);
        s.pick("p", V4_SERVER);
        s.pick("p", V4_SERVER);
        assertThat(s.pick("p", V4_SERVER)).isInstanceOfSatisfying(SourceAddresses.Pick.Later.class, l -> {
            assertThat(l.until().until()).isAfter(clock.instant()).isBeforeOrEqualTo(clock.instant().plus(Duration.ofHours(1)));
            assertThat(l.until().reason()).contains("pool p", "warm-up");
        });
        clock.advance(Duration.ofMinutes(30)); // one every 30 minutes at 2 an hour
        assertThat(used(s.pick("p", V4_SERVER))).isEqualTo("127.0.0.7");
    }

    @Test
    void theWarmUpBudgetGrowsDayByDayAndEndsWithTheSchedule() {
        var warmUp = new WarmUp(List.of(50, 100, 200));
        LocalDate from = LocalDate.parse("2026-12-01");
        assertThat(warmUp.budget(from, from)).isEqualTo(50);
        assertThat(warmUp.budget(from, from.plusDays(1))).isEqualTo(100);
        assertThat(warmUp.budget(from, from.plusDays(2))).isEqualTo(200);
        assertThat(warmUp.budget(from, from.plusDays(3))).isZero(); // warm: no budget
        assertThat(warmUp.budget(from, from.minusDays(1))).isEqualTo(50); // not started yet: the first day's
    }

    @Test
    void aPoolNamesTheOneToTryWhenADestinationRefusesIt() {
        var s = sources(List.of(source("bulk", "127.0.0.2", null), source("default", "127.0.0.3", null)),
                List.of(new Pool("bulk", List.of("news.example.org"), "default")), WarmUp.DEFAULTS);
        assertThat(s.fallback("bulk")).isEqualTo("default");
        assertThat(s.fallback("default")).isNull();
    }
}
