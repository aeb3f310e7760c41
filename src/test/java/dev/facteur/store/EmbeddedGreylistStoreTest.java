package dev.facteur.store;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The embedded store holds to the contract (its file: {@code EmbeddedFileTest}). */
class EmbeddedGreylistStoreTest extends GreylistStoreContract {

    @TempDir
    Path dir;

    @Override
    protected GreylistStore open() {
        return Stores.embedded(dir).greylist();
    }
}
