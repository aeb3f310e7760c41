package dev.facteur.store;

/** The reference rules on plain maps, which the policy checks' tests use, hold to the contract too. */
class MemoryGreylistStoreTest extends GreylistStoreContract {

    @Override
    protected GreylistStore open() {
        return new MemoryGreylistStore();
    }
}
