package dev.facteur.routing;

import dev.facteur.smtp.Reply;
import java.util.List;

/** The answer to "where does mail for this domain go?". */
public sealed interface Route {

    /** Servers to try in order: MX preference, then each host's addresses. */
    record Hops(List<Hop> hops) implements Route {
        public Hops {
            hops = List.copyOf(hops);
            if (hops.isEmpty()) throw new IllegalArgumentException("no hops");
        }
    }

    /** Mail for this domain cannot be delivered, ever (null MX, no such domain, loop). */
    record Permanent(Reply reason) implements Route {}

    /** Not now (DNS trouble): try again later. */
    record Temporary(Reply reason) implements Route {}
}
