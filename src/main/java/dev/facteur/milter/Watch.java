package dev.facteur.milter;

import dev.facteur.io.Deadlines;
import dev.facteur.io.Deadlines.Deadline;
import java.util.function.Function;

/**
 * The timeout of the exchange under way with a filter: {@link Deadlines} in production; tests
 * drive their own, so that a timeout is a thing they make happen, not a wait.
 */
interface Watch {

    /** The exchange starting now must make progress within {@code nanos}, or the expiry action runs. */
    void arm(long nanos);

    void disarm();

    /** The connection is over. */
    void close();

    /** Watches on {@link Deadlines}: each is given the action to run when it expires. */
    Function<Runnable, Watch> DEADLINES = onExpiry -> {
        Deadline d = Deadlines.register(onExpiry);
        return new Watch() {
            @Override
            public void arm(long nanos) {
                d.arm(nanos);
            }

            @Override
            public void disarm() {
                d.disarm();
            }

            @Override
            public void close() {
                d.close();
            }
        };
    };
}
