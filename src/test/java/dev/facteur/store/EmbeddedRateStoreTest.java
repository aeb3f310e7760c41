package dev.facteur.store;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The embedded store holds to the contract (its file: {@code EmbeddedFileTest}). */
class EmbeddedRateStoreTest extends RateStoreContract {

    @TempDir
    Path dir;

    @Override
    protected RateStore open() {
        return Stores.embedded(dir).rates();
    }
}
