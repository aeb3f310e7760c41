package dev.facteur.store;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/** The greylisting rules on plain maps, for tests of the checks: one node, nothing kept. */
public final class MemoryGreylistStore implements GreylistStore {

    private record Triplet(Instant first, Instant last, boolean passed) {}

    private record Client(int retries, Instant last) {}

    private final Map<String, Triplet> triplets = new HashMap<>();
    private final Map<String, Client> clients = new HashMap<>();

    @Override
    public synchronized Seen attempt(String triplet, Instant now, Timing timing) {
        Seen seen = peek(triplet, now, timing);
        Triplet t = triplets.get(triplet);
        triplets.put(triplet, switch (seen) {
            case FIRST -> new Triplet(now, now, false);
            case TOO_EARLY -> new Triplet(t.first(), now, false);
            case RETRIED, KNOWN -> new Triplet(t.first(), now, true);
        });
        return seen;
    }

    @Override
    public synchronized Seen peek(String triplet, Instant now, Timing timing) {
        Triplet t = triplets.get(triplet);
        if (t == null) return Seen.FIRST;
        if (t.passed()) return now.isAfter(t.last().plus(timing.lifetime())) ? Seen.FIRST : Seen.KNOWN;
        if (now.isAfter(t.first().plus(timing.window()))) return Seen.FIRST;
        return now.isBefore(t.first().plus(timing.delay())) ? Seen.TOO_EARLY : Seen.RETRIED;
    }

    @Override
    public synchronized int retried(String client, Instant now, Timing timing) {
        int n = retries(client, now, timing) + 1;
        clients.put(client, new Client(n, now));
        return n;
    }

    @Override
    public synchronized int retries(String client, Instant now, Timing timing) {
        Client c = clients.get(client);
        return c == null || now.isAfter(c.last().plus(timing.lifetime())) ? 0 : c.retries();
    }

    @Override
    public void close() {}
}
