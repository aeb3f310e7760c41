package dev.facteur.store;

/** The suppression list on plain maps, which the policy's tests use, holds to the contract too. */
class MemorySuppressionStoreTest extends SuppressionStoreContract {

    @Override
    protected SuppressionStore open() {
        return new MemorySuppressionStore();
    }
}
