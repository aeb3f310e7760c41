package dev.facteur.cli;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * SIGHUP, a daemon's "read your configuration again" (the JVM's own handler would end the
 * process). Java has no public API for signals; {@code sun.misc.Signal} of the
 * {@code jdk.unsupported} module is the one meant for applications (the compiler warns about it).
 */
final class Hangup {

    private static final Logger log = LoggerFactory.getLogger("facteur");

    private Hangup() {}

    /** Runs {@code reload} on a thread of its own at each SIGHUP, so that the next signal is not held up. */
    static void onSignal(Runnable reload) {
        try {
            Signal.handle(new Signal("HUP"), signal -> Thread.ofPlatform().name("reload").start(reload));
        } catch (IllegalArgumentException e) {
            log.warn("no SIGHUP here ({}): reload with facteur reload", e.getMessage());
        }
    }
}
