package dev.facteur.store;

/**
 * The store cannot answer now (Redis unreachable or failing, a disk error): the caller gives its
 * configured verdict for that case and logs it, never a silent pass.
 */
public class StoreUnavailable extends RuntimeException {
    public StoreUnavailable(String message, Throwable cause) {
        super(message, cause);
    }
}
