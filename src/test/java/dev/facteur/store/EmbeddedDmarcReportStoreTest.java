package dev.facteur.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded store holds to the contract, keeps its rows across a restart, and forgets periods nobody took. */
class EmbeddedDmarcReportStoreTest extends DmarcReportStoreContract {

    @TempDir
    Path dir;

    @Override
    protected DmarcReportStore open() {
        return Stores.embedded(dir).dmarcReports();
    }

    @Test
    void rowsSurviveARestart() {
        store.add(EXAMPLE, "v=DMARC1; p=none", "a", 10);
        store.close();
        store = Stores.embedded(dir).dmarcReports();
        assertThat(store.take(EXAMPLE).orElseThrow().rows()).isEqualTo(Map.of("a", 1L));
    }

    @Test
    void theSweepForgetsPeriodsThatEndedLongerThanKeepAgo() {
        store.close();
        try (EmbeddedFile file = EmbeddedFile.open(dir)) {
            var s = new EmbeddedDmarcReportStore(file, file::close);
            s.add(EXAMPLE, "v=DMARC1; p=none", "a", 10);
            file.sweep(EXAMPLE.end().plus(DmarcReportStore.KEEP).toEpochMilli());
            assertThat(file.dmarcPeriods).hasSize(1);
            assertThat(file.dmarcRows).hasSize(1);
            file.sweep(EXAMPLE.end().plus(DmarcReportStore.KEEP).toEpochMilli() + 1);
            assertThat(file.dmarcPeriods).isEmpty();
            assertThat(file.dmarcRows).isEmpty();
        }
        store = null;
    }
}
