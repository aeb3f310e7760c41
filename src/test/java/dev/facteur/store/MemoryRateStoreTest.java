package dev.facteur.store;

/** The reference counters on a plain map, which the policy checks' tests use, hold to the contract too. */
class MemoryRateStoreTest extends RateStoreContract {

    @Override
    protected RateStore open() {
        return new MemoryRateStore();
    }
}
