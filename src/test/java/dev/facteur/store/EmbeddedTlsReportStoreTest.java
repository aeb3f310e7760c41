package dev.facteur.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.store.TlsReportStore.Row;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded store holds to the contract, keeps its rows across a restart, and forgets days nobody took. */
class EmbeddedTlsReportStoreTest extends TlsReportStoreContract {

    @TempDir
    Path dir;

    @Override
    protected TlsReportStore open() {
        return Stores.embedded(dir).tlsReports();
    }

    @Test
    void rowsSurviveARestart() {
        store.add(EXAMPLE, "a", "why", 10);
        store.close();
        store = Stores.embedded(dir).tlsReports();
        assertThat(store.take(EXAMPLE).orElseThrow().rows()).isEqualTo(Map.of("a", new Row(1, "why")));
    }

    @Test
    void theSweepForgetsDaysThatEndedLongerThanKeepAgo() {
        store.close();
        try (EmbeddedFile file = EmbeddedFile.open(dir)) {
            var s = new EmbeddedTlsReportStore(file, file::close);
            s.add(EXAMPLE, "a", "", 10);
            file.sweep(EXAMPLE.end().plus(TlsReportStore.KEEP).toEpochMilli());
            assertThat(file.tlsReportDays).hasSize(1);
            assertThat(file.tlsReportRows).hasSize(1);
            file.sweep(EXAMPLE.end().plus(TlsReportStore.KEEP).toEpochMilli() + 1);
            assertThat(file.tlsReportDays).isEmpty();
            assertThat(file.tlsReportRows).isEmpty();
        }
        store = null;
    }
}
