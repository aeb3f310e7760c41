package dev.facteur.auth.srs;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The SRS0 time stamp: UTC days modulo 1024 in two characters of A-Z2-7. */
class DayStampTest {

    @Test
    void eachSlotIsWrittenAndReadBack() {
        for (int slot = 0; slot < DayStamp.SLOTS; slot++) {
            var stamp = new DayStamp(slot);
            assertThat(DayStamp.parse(stamp.text())).contains(stamp);
            assertThat(DayStamp.parse(stamp.text().toLowerCase())).contains(stamp);
        }
    }

    @Test
    void theDayChangesAtMidnightUtc() {
        assertThat(DayStamp.of(Instant.parse("2026-12-01T23:59:59Z")).text()).isEqualTo("JU");
        assertThat(DayStamp.of(Instant.parse("2026-12-02T00:00:00Z")).text()).isEqualTo("JV");
    }

    @Test
    void beforeTheEpochTheDaysStillCountUp() {
        assertThat(DayStamp.of(Instant.EPOCH.minus(Duration.ofSeconds(1))).slot()).isEqualTo(1023);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "A", "AAA", "A1", "A8", "A=", "0A", "ıA", "ſA", "Aé"})
    void anythingButTwoBase32CharactersIsNoStamp(String text) { // ı and ſ uppercase to I and S in Java
        assertThat(DayStamp.parse(text)).isEqualTo(Optional.empty());
    }

    @Test
    void agesCountForwardAcrossTheWrap() {
        assertThat(new DayStamp(1020).ageOn(new DayStamp(3))).isEqualTo(7);
        assertThat(new DayStamp(3).ageOn(new DayStamp(3))).isZero();
        assertThat(new DayStamp(4).ageOn(new DayStamp(3))).isEqualTo(1023);
    }
}
