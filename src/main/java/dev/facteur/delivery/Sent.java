package dev.facteur.delivery;

import dev.facteur.smtp.Reply;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * What one server made of one message: an outcome for each recipient, in order. A reply once
 * received is final for this attempt however the connection ends afterwards (a 5xx after the
 * final dot is a bounce even if the server then hangs up, RFC 5321 §7.8). The recipients the
 * server never answered, because the conversation broke first, are deferred with our own reason
 * and listed in {@code unanswered}: another server may still take them, unless the trouble was
 * {@code local} (the queued message could not be read), which no other server would mend.
 */
public record Sent(List<Outcome> outcomes, Set<Integer> unanswered, boolean local) {

    public Sent {
        outcomes = List.copyOf(outcomes);
        unanswered = Collections.unmodifiableSet(new TreeSet<>(unanswered));
    }

    /** The same outcome for every recipient, all answered. */
    static Sent all(int recipients, Outcome o) {
        return new Sent(Collections.nCopies(recipients, o), Set.of(), false);
    }

    /**
     * @param given  the outcome of each recipient so far; null where the server has not answered
     * @param broken why the conversation ended early, for those not answered; null if it did not
     * @param local  whether that was our trouble (reading the queued message), not the server's
     */
    static Sent of(Outcome[] given, Reply broken, boolean local) {
        List<Outcome> out = new ArrayList<>(given.length);
        Set<Integer> unanswered = new TreeSet<>();
        for (int i = 0; i < given.length; i++) {
            if (given[i] != null) {
                out.add(given[i]);
            } else {
                if (broken == null) throw new IllegalStateException("recipient " + i + " has no outcome");
                out.add(new Outcome.Deferred(broken));
                unanswered.add(i);
            }
        }
        return new Sent(out, unanswered, local);
    }
}
