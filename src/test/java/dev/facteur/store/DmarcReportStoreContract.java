package dev.facteur.store;

import static dev.facteur.store.GreylistStoreContract.together;
import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.store.DmarcReportStore.Added;
import dev.facteur.store.DmarcReportStore.Period;
import dev.facteur.store.DmarcReportStore.Taken;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link DmarcReportStore} does: rows counted per Policy Domain and period, bounded,
 * listed once their period has ended, and taken once. The embedded one and Redis; a subclass says
 * how to open a fresh store.
 */
public abstract class DmarcReportStoreContract {

    protected static final Instant DAY = Instant.parse("2026-11-28T00:00:00Z");
    protected static final Period EXAMPLE = new Period("example.com", DAY, DAY.plus(Duration.ofDays(1)));
    private static final Period OTHER = new Period("other.test", DAY, DAY.plus(Duration.ofDays(1)));
    private static final Period NEXT_DAY = new Period("example.com", EXAMPLE.end(), EXAMPLE.end().plus(Duration.ofDays(1)));
    private static final String P_REJECT = "v=DMARC1; p=reject; rua=mailto:d@example.com";

    protected DmarcReportStore store;

    /** A new store, empty, that no other test sees. */
    protected abstract DmarcReportStore open() throws Exception;

    @BeforeEach
    void openStore() throws Exception {
        store = open();
    }

    @AfterEach
    void closeStore() {
        if (store != null) store.close();
    }

    @Test
    void identicalRecordsAreOneRowWithTheirCount() {
        assertThat(store.add(EXAMPLE, P_REJECT, "{\"ip\":\"192.0.2.1\"}", 10)).isEqualTo(Added.NEW_ROW);
        assertThat(store.add(EXAMPLE, P_REJECT, "{\"ip\":\"192.0.2.1\"}", 10)).isEqualTo(Added.COUNTED);
        assertThat(store.add(EXAMPLE, P_REJECT, "{\"ip\":\"192.0.2.2\"}", 10)).isEqualTo(Added.NEW_ROW);
        Taken t = store.take(EXAMPLE).orElseThrow();
        assertThat(t.rows()).isEqualTo(Map.of("{\"ip\":\"192.0.2.1\"}", 2L, "{\"ip\":\"192.0.2.2\"}", 1L));
        assertThat(t.leftOut()).isZero();
        assertThat(t.period()).isEqualTo(EXAMPLE);
    }

    @Test
    void theLastPolicySeenIsTheReportsPolicy() { // RFC 9990 §2.3
        store.add(EXAMPLE, "v=DMARC1; p=none", "a", 10);
        store.add(EXAMPLE, P_REJECT, "a", 10);
        assertThat(store.take(EXAMPLE).orElseThrow().policy()).isEqualTo(P_REJECT);
    }

    @Test
    void beyondMaxRowsNewRecordsAreLeftOutButKnownOnesStillCount() {
        store.add(EXAMPLE, P_REJECT, "a", 2);
        store.add(EXAMPLE, P_REJECT, "b", 2);
        assertThat(store.add(EXAMPLE, P_REJECT, "c", 2)).isEqualTo(Added.LEFT_OUT);
        assertThat(store.add(EXAMPLE, P_REJECT, "d", 2)).isEqualTo(Added.LEFT_OUT);
        assertThat(store.add(EXAMPLE, P_REJECT, "a", 2)).isEqualTo(Added.COUNTED);
        Taken t = store.take(EXAMPLE).orElseThrow();
        assertThat(t.rows()).isEqualTo(Map.of("a", 2L, "b", 1L));
        assertThat(t.leftOut()).isEqualTo(2);
    }

    @Test
    void domainsAndPeriodsAreApart() {
        store.add(EXAMPLE, P_REJECT, "a", 10);
        store.add(OTHER, "v=DMARC1; p=none", "a", 10);
        store.add(NEXT_DAY, P_REJECT, "b", 10);
        assertThat(store.take(EXAMPLE).orElseThrow().rows()).isEqualTo(Map.of("a", 1L));
        assertThat(store.take(OTHER).orElseThrow().policy()).isEqualTo("v=DMARC1; p=none");
        assertThat(store.take(NEXT_DAY).orElseThrow().rows()).isEqualTo(Map.of("b", 1L));
    }

    @Test
    void aPeriodIsListedOnceItHasEndedOldestFirst() {
        store.add(NEXT_DAY, P_REJECT, "b", 10);
        store.add(EXAMPLE, P_REJECT, "a", 10);
        store.add(OTHER, P_REJECT, "a", 10);
        assertThat(store.ended(EXAMPLE.end().minusMillis(1))).isEmpty();
        assertThat(store.ended(EXAMPLE.end())).containsExactlyInAnyOrder(EXAMPLE, OTHER);
        assertThat(store.ended(NEXT_DAY.end().plusSeconds(60))).containsExactlyInAnyOrder(EXAMPLE, OTHER, NEXT_DAY)
                .endsWith(NEXT_DAY);
    }

    @Test
    void aTakenPeriodIsGone() {
        store.add(EXAMPLE, P_REJECT, "a", 10);
        assertThat(store.take(EXAMPLE)).isPresent();
        assertThat(store.take(EXAMPLE)).isEmpty();
        assertThat(store.ended(NEXT_DAY.end())).isEmpty();
    }

    @Test
    void aPeriodNeverSeenIsNothingToTake() {
        assertThat(store.take(EXAMPLE)).isEmpty();
    }

    @Test
    void recordsAndPoliciesComeBackAsTheyWent() {
        String odd = "{\"comment\":\"fail (body hash | did not verify) é\",\"n\":\"r:x\"}";
        store.add(EXAMPLE, "v=DMARC1; p=none; rua=mailto:a@b.test,mailto:c@d.test!10m", odd, 10);
        Taken t = store.take(EXAMPLE).orElseThrow();
        assertThat(t.rows()).containsOnlyKeys(odd);
        assertThat(t.policy()).isEqualTo("v=DMARC1; p=none; rua=mailto:a@b.test,mailto:c@d.test!10m");
    }

    @Test
    void ofManyNodesTakingAPeriodAtOnceExactlyOneGetsIt() throws Exception {
        for (int i = 0; i < 50; i++) store.add(EXAMPLE, P_REJECT, "row " + i, 100);
        List<Optional<Taken>> taken = together(20, () -> store.take(EXAMPLE));
        assertThat(taken).filteredOn(Optional::isPresent).hasSize(1);
        assertThat(taken.stream().flatMap(Optional::stream).findFirst().orElseThrow().rows()).hasSize(50);
    }

    @Test
    void manyAddsAtOnceCountEachOnceAndRespectTheBound() throws Exception {
        List<Added> added = together(300, () -> store.add(EXAMPLE, P_REJECT, "row " + Thread.currentThread().threadId() % 7, 5));
        assertThat(added).filteredOn(a -> a == Added.NEW_ROW).hasSize(5);
        Taken t = store.take(EXAMPLE).orElseThrow();
        assertThat(t.rows()).hasSize(5);
        assertThat(t.rows().values().stream().mapToLong(Long::longValue).sum() + t.leftOut()).isEqualTo(300);
    }
}
