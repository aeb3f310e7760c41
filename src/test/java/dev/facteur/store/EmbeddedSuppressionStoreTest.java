package dev.facteur.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.store.SuppressionStore.Reason;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded suppression list holds to the contract, keeps its entries across a restart, and sweeps what expired. */
class EmbeddedSuppressionStoreTest extends SuppressionStoreContract {

    @TempDir
    Path dir;

    @Override
    protected SuppressionStore open() {
        return Stores.embedded(dir).suppressions();
    }

    @Test
    void entriesAndSoftBouncesSurviveARestart() {
        var e = entry("example.com", ALICE, Reason.HARD_BOUNCE, YEAR);
        store.put(e);
        store.softBounce("example.com", ALICE, T0, WEEK);
        store.close();
        store = Stores.embedded(dir).suppressions();
        assertThat(store.find(ALICE, "example.com", T0)).contains(e);
        assertThat(store.count("example.com", T0)).containsEntry(Reason.HARD_BOUNCE, 1L);
        assertThat(store.softBounce("example.com", ALICE, T0, WEEK)).isEqualTo(2);
    }

    @Test
    void theSweepRemovesExpiredEntriesWithTheirIndexesAndOldSoftBounces() {
        store.close();
        try (EmbeddedFile file = EmbeddedFile.open(dir)) {
            var s = new EmbeddedSuppressionStore(file, file::close);
            s.put(entry("example.com", ALICE, Reason.SOFT_BOUNCES, WEEK));
            s.put(entry("example.com", mailbox("carol@example.org"), Reason.COMPLAINT, null));
            s.softBounce("example.com", mailbox("bob@example.org"), T0, WEEK);
            int before = file.size();
            file.sweep(T0.plus(WEEK).toEpochMilli() - 1);
            assertThat(file.size()).as("nothing has expired yet").isEqualTo(before);
            file.sweep(T0.plus(WEEK).toEpochMilli());
            assertThat(file.size()).as("the entry, its expiry, its address, the soft bounces").isEqualTo(before - 4);
            assertThat(s.entries(mailbox("carol@example.org"), T0.plus(YEAR))).hasSize(1);
            assertThat(s.count("example.com", T0)).containsEntry(Reason.SOFT_BOUNCES, 0L);
        }
        store = null;
    }

    @Test
    void anEntryThatDoesNotReadBackIsDamageTheFileIsMovedAside() throws Exception {
        store.close();
        try (MVStore other = MVStore.open(dir.resolve(EmbeddedFile.NAME).toString())) {
            MVMap<String, String> entries = other.openMap("suppressions");
            entries.put("example.com|alice@example.org", "{\"v\":99}");
        }
        store = Stores.embedded(dir).suppressions();
        assertThat(store.find(ALICE, "example.com", T0)).isEmpty();
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).anyMatch(n -> n.startsWith(EmbeddedFile.NAME + ".damaged-"));
        }
    }
}
