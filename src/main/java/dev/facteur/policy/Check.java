package dev.facteur.policy;

import java.time.Duration;
import java.util.Set;

/** One defence with one job (greylisting, a DNS blocklist, reverse DNS, ...). Thread-safe: one instance serves every session. */
public interface Check {

    /** Its name in the configuration and in the log. */
    String name();

    /** The stages it decides in. */
    Set<Stage> stages();

    /** Whether trusted clients (relay networks, later authenticated users) skip it; true for the spam defences. */
    default boolean sparesTrusted() {
        return true;
    }

    /** How long the server should wait before its greeting for this check to see a client talk first; zero: no wait. */
    default Duration greetPause() {
        return Duration.ZERO;
    }

    /**
     * Its verdict at {@code stage}. DNS or store trouble gives the check's configured temporary
     * verdict and a reason, never a silent pass; only a bug throws (the pipeline then defers).
     */
    Verdict check(Stage stage, Facts facts);
}
