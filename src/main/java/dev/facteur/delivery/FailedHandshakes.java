package dev.facteur.delivery;

import dev.facteur.routing.Hop;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The servers whose TLS handshake failed lately, kept in memory for a while: under opportunistic
 * TLS (RFC 7435) their next messages go in plain text at once, instead of each failing the same
 * handshake first. A server is known by its address and port, each of which has its own TLS.
 * Never consulted when TLS is required. The clock is the caller's, so tests say what holds an
 * hour later without waiting.
 */
final class FailedHandshakes {

    /** More servers than this with broken TLS at once is a broken network, not broken servers: all are forgotten, and tried with TLS again. */
    private static final int MAX = 10_000;

    private final Duration memory;
    private final Map<InetSocketAddress, Instant> until = new ConcurrentHashMap<>();

    FailedHandshakes(Duration memory) {
        this.memory = memory;
    }

    Duration memory() {
        return memory;
    }

    /** Whether {@code hop} failed a handshake less than {@link #memory()} ago. */
    boolean recent(Hop hop, Clock clock) {
        if (until.isEmpty()) return false; // as nearly always: nothing to look up, nothing to allocate
        InetSocketAddress server = hop.socketAddress();
        Instant end = until.get(server);
        if (end == null) return false;
        if (clock.instant().isBefore(end)) return true;
        until.remove(server, end);
        return false;
    }

    void record(Hop hop, Clock clock) {
        Instant now = clock.instant();
        if (until.size() >= MAX) until.values().removeIf(end -> !now.isBefore(end));
        if (until.size() >= MAX) until.clear();
        until.put(hop.socketAddress(), now.plus(memory));
    }
}
