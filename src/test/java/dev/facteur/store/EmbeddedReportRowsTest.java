package dev.facteur.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.facteur.store.DmarcReportStore.Period;
import dev.facteur.store.EmbeddedReportRows.Counts;
import dev.facteur.store.TlsReportStore.Day;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Map;
import java.util.Optional;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How the report stores write their periods and rows in the embedded file, which outlives
 * versions of Facteur: the keys and values, to the letter, and what reads as damage.
 */
class EmbeddedReportRowsTest {

    private static final Instant DAY = Instant.parse("2026-11-28T00:00:00Z");
    private static final Period PERIOD = new Period("example.com", DAY, DAY.plus(Duration.ofDays(1)));
    private static final Day TLS_DAY = new Day("example.com", LocalDate.parse("2026-11-28"));

    @TempDir
    Path dir;

    @Test
    void aDmarcPeriodIsItsEndBeginAndDomainHoldingItsCountsAndPolicy() {
        try (EmbeddedFile file = EmbeddedFile.open(dir)) {
            var store = new EmbeddedDmarcReportStore(file, file::close);
            store.add(PERIOD, "v=DMARC1; p=none", "a", 1);
            store.add(PERIOD, "v=DMARC1; p=reject", "b", 1);
            store.add(PERIOD, "v=DMARC1; p=reject", "a", 1);
            assertThat(Map.copyOf(file.dmarcPeriods)).isEqualTo(Map.of("001795910400000|001795824000000|example.com", "1 1 v=DMARC1; p=reject"));
            assertThat(Map.copyOf(file.dmarcRows)).isEqualTo(Map.of("001795910400000|001795824000000|example.com|a", 2L));
        }
    }

    @Test
    void aTlsDayIsItsDateAndDomainHoldingItsCounts() {
        try (EmbeddedFile file = EmbeddedFile.open(dir)) {
            var store = new EmbeddedTlsReportStore(file, file::close);
            store.add(TLS_DAY, "a", "first", 1);
            store.add(TLS_DAY, "b", "", 1);
            store.add(TLS_DAY, "a", "last note", 1);
            assertThat(Map.copyOf(file.tlsReportDays)).isEqualTo(Map.of("2026-11-28|example.com", "1 1"));
            assertThat(Map.copyOf(file.tlsReportRows)).isEqualTo(Map.of("2026-11-28|example.com|a", "2 last note"));
        }
    }

    @Test
    void aPeriodsCountsReadBack() {
        assertThat(Counts.parse("3 1 v=DMARC1; p=none")).isEqualTo(new Counts(3, 1, Optional.of("v=DMARC1; p=none")));
        assertThat(Counts.parse("3 1 ")).isEqualTo(new Counts(3, 1, Optional.of("")));
        assertThat(Counts.parse("3 1")).isEqualTo(new Counts(3, 1, Optional.empty()));
        assertThat(new Counts(3, 1, Optional.empty()).text()).isEqualTo("3 1");
        for (String damaged : new String[] {"", "3", "3 ", "x 1", "3 1x", "3 x y"})
            assertThat(Counts.parse(damaged)).as(damaged).isNull();
    }

    @Test
    void aDmarcPeriodWithoutItsPolicyIsDamage() {
        try (MVStore mv = MVStore.open(null)) {
            MVMap<String, Object> periods = mv.openMap("dmarc-periods"), rows = mv.openMap("dmarc-rows");
            periods.put(EmbeddedDmarcReportStore.key(PERIOD), "1 0 v=DMARC1; p=none");
            rows.put(EmbeddedDmarcReportStore.key(PERIOD) + "|a", 1L);
            EmbeddedDmarcReportStore.check(periods, rows);
            periods.put(EmbeddedDmarcReportStore.key(PERIOD), "1 0");
            assertThatThrownBy(() -> EmbeddedDmarcReportStore.check(periods, rows)).hasMessageContaining("DMARC report period");
        }
    }

    @Test
    void aTlsDayWithMoreThanItsCountsIsDamage() {
        try (MVStore mv = MVStore.open(null)) {
            MVMap<String, Object> days = mv.openMap("tls-report-days"), rows = mv.openMap("tls-report-rows");
            days.put(EmbeddedTlsReportStore.key(TLS_DAY), "1 0");
            rows.put(EmbeddedTlsReportStore.key(TLS_DAY) + "|a", "1 ");
            EmbeddedTlsReportStore.check(days, rows);
            days.put(EmbeddedTlsReportStore.key(TLS_DAY), "1 0 x");
            assertThatThrownBy(() -> EmbeddedTlsReportStore.check(days, rows)).hasMessageContaining("TLS report day");
        }
    }

    @Test
    void theSweepRemovesWhatNamesNoPeriod() {
        try (EmbeddedFile file = EmbeddedFile.open(dir)) {
            file.tlsReportDays.put("not a day", "1 0");
            file.tlsReportRows.put("not a day|a", "1 ");
            file.dmarcRows.put("x|y|z", 1L);
            file.sweep(DAY.toEpochMilli());
            assertThat(file.tlsReportDays).isEmpty();
            assertThat(file.tlsReportRows).isEmpty();
            assertThat(file.dmarcRows).isEmpty();
        }
    }
}
