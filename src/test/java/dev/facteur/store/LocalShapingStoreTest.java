package dev.facteur.store;

/** The store of a single node, in memory (the embedded stores' and {@link ShapingStore#inMemory}), holds to the contract. */
class LocalShapingStoreTest extends ShapingStoreContract {

    @Override
    protected ShapingStore open() {
        return ShapingStore.inMemory();
    }
}
