package dev.facteur.store;

import static dev.facteur.store.GreylistStoreContract.together;
import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.store.TlsReportStore.Added;
import dev.facteur.store.TlsReportStore.Day;
import dev.facteur.store.TlsReportStore.Row;
import dev.facteur.store.TlsReportStore.Taken;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link TlsReportStore} does: sessions counted per Policy Domain and UTC day, each row
 * with the note it was last added with, bounded, listed once their day has ended, and taken once.
 * The embedded one and Redis; a subclass says how to open a fresh store.
 */
public abstract class TlsReportStoreContract {

    protected static final Day EXAMPLE = new Day("example.com", LocalDate.parse("2026-11-28"));
    private static final Day OTHER = new Day("other.test", LocalDate.parse("2026-11-28"));
    private static final Day NEXT_DAY = new Day("example.com", LocalDate.parse("2026-11-29"));
    private static final String EXPIRED = "{\"result\":\"certificate-expired\",\"receiving-ip\":\"192.0.2.25\"}";

    protected TlsReportStore store;

    /** A new store, empty, that no other test sees. */
    protected abstract TlsReportStore open() throws Exception;

    @BeforeEach
    void openStore() throws Exception {
        store = open();
    }

    @AfterEach
    void closeStore() {
        if (store != null) store.close();
    }

    @Test
    void aDayIsAUtcDay() { // RFC 8460 §4.1
        assertThat(Day.of("example.com", Instant.parse("2026-11-28T23:59:59.999Z"))).isEqualTo(EXAMPLE);
        assertThat(Day.of("example.com", Instant.parse("2026-11-29T00:00:00Z"))).isEqualTo(NEXT_DAY);
        assertThat(EXAMPLE.begin()).isEqualTo(Instant.parse("2026-11-28T00:00:00Z"));
        assertThat(EXAMPLE.end()).isEqualTo(NEXT_DAY.begin());
    }

    @Test
    void identicalRowsAreOneRowWithTheirCount() {
        assertThat(store.add(EXAMPLE, EXPIRED, "", 10)).isEqualTo(Added.NEW_ROW);
        assertThat(store.add(EXAMPLE, EXPIRED, "", 10)).isEqualTo(Added.COUNTED);
        assertThat(store.add(EXAMPLE, "{\"result\":\"success\"}", "", 10)).isEqualTo(Added.NEW_ROW);
        Taken t = store.take(EXAMPLE).orElseThrow();
        assertThat(t.rows()).isEqualTo(Map.of(EXPIRED, new Row(2, ""), "{\"result\":\"success\"}", new Row(1, "")));
        assertThat(t.leftOut()).isZero();
        assertThat(t.day()).isEqualTo(EXAMPLE);
    }

    @Test
    void aRowKeepsTheNoteItWasLastAddedWith() {
        store.add(EXAMPLE, EXPIRED, "expired on 2026-11-20", 10);
        store.add(EXAMPLE, EXPIRED, "expired on 2026-11-21", 10);
        assertThat(store.take(EXAMPLE).orElseThrow().rows()).isEqualTo(Map.of(EXPIRED, new Row(2, "expired on 2026-11-21")));
    }

    @Test
    void beyondMaxRowsNewRowsAreLeftOutButKnownOnesStillCount() {
        store.add(EXAMPLE, "a", "", 2);
        store.add(EXAMPLE, "b", "", 2);
        assertThat(store.add(EXAMPLE, "c", "", 2)).isEqualTo(Added.LEFT_OUT);
        assertThat(store.add(EXAMPLE, "d", "", 2)).isEqualTo(Added.LEFT_OUT);
        assertThat(store.add(EXAMPLE, "a", "", 2)).isEqualTo(Added.COUNTED);
        Taken t = store.take(EXAMPLE).orElseThrow();
        assertThat(t.rows()).isEqualTo(Map.of("a", new Row(2, ""), "b", new Row(1, "")));
        assertThat(t.leftOut()).isEqualTo(2);
    }

    @Test
    void domainsAndDaysAreApart() {
        store.add(EXAMPLE, "a", "", 10);
        store.add(OTHER, "a", "other", 10);
        store.add(NEXT_DAY, "b", "", 10);
        assertThat(store.take(EXAMPLE).orElseThrow().rows()).isEqualTo(Map.of("a", new Row(1, "")));
        assertThat(store.take(OTHER).orElseThrow().rows()).isEqualTo(Map.of("a", new Row(1, "other")));
        assertThat(store.take(NEXT_DAY).orElseThrow().rows()).isEqualTo(Map.of("b", new Row(1, "")));
    }

    @Test
    void aDayIsListedOnceItHasEndedOldestFirst() {
        store.add(NEXT_DAY, "b", "", 10);
        store.add(EXAMPLE, "a", "", 10);
        store.add(OTHER, "a", "", 10);
        assertThat(store.ended(EXAMPLE.end().minusMillis(1))).isEmpty();
        assertThat(store.ended(EXAMPLE.end())).containsExactlyInAnyOrder(EXAMPLE, OTHER);
        assertThat(store.ended(NEXT_DAY.end().plusSeconds(60))).containsExactlyInAnyOrder(EXAMPLE, OTHER, NEXT_DAY).endsWith(NEXT_DAY);
    }

    @Test
    void aTakenDayIsGone() {
        store.add(EXAMPLE, "a", "", 10);
        assertThat(store.take(EXAMPLE)).isPresent();
        assertThat(store.take(EXAMPLE)).isEmpty();
        assertThat(store.ended(NEXT_DAY.end())).isEmpty();
    }

    @Test
    void aDayNeverSeenIsNothingToTake() {
        assertThat(store.take(EXAMPLE)).isEmpty();
    }

    @Test
    void rowsAndNotesComeBackAsTheyWent() {
        String odd = "{\"policy-string\":[\"mx: *.example.com\",\"a | b\"],\"n\":\"c:x n:y\",\"é\":1}";
        store.add(EXAMPLE, odd, "X509_V_ERR | é  two  spaces ", 10);
        assertThat(store.take(EXAMPLE).orElseThrow().rows()).isEqualTo(Map.of(odd, new Row(1, "X509_V_ERR | é  two  spaces ")));
    }

    @Test
    void ofManyNodesTakingADayAtOnceExactlyOneGetsIt() throws Exception {
        for (int i = 0; i < 50; i++) store.add(EXAMPLE, "row " + i, "", 100);
        List<Optional<Taken>> taken = together(20, () -> store.take(EXAMPLE));
        assertThat(taken).filteredOn(Optional::isPresent).hasSize(1);
        assertThat(taken.stream().flatMap(Optional::stream).findFirst().orElseThrow().rows()).hasSize(50);
    }

    @Test
    void manyAddsAtOnceCountEachOnceAndRespectTheBound() throws Exception {
        List<Added> added = together(300, () -> store.add(EXAMPLE, "row " + Thread.currentThread().threadId() % 7, "", 5));
        assertThat(added).filteredOn(a -> a == Added.NEW_ROW).hasSize(5);
        Taken t = store.take(EXAMPLE).orElseThrow();
        assertThat(t.rows()).hasSize(5);
        assertThat(t.rows().values().stream().mapToLong(Row::sessions).sum() + t.leftOut()).isEqualTo(300);
    }
}
