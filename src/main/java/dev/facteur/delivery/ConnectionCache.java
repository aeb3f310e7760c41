package dev.facteur.delivery;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

/**
 * Keeps connections that just delivered a message open for a short while, so the next message
 * to the same server skips connect, greeting, EHLO and TLS (Postfix calls this connection
 * caching). A connection is reused only after a successful RSET.
 */
final class ConnectionCache implements AutoCloseable {

    private record Idle(SmtpClient client, long since) {}

    private final Map<Object, Deque<Idle>> idle = new HashMap<>();
    private final long maxIdleNanos;
    private final int maxPerServer;

    ConnectionCache(Duration maxIdle, int maxPerServer) {
        this.maxIdleNanos = maxIdle.toNanos();
        this.maxPerServer = maxPerServer;
    }

    /** An idle connection for {@code key} (a server, and whatever else must match), or null. */
    SmtpClient take(Object key) {
        java.util.List<SmtpClient> stale = new java.util.ArrayList<>();
        SmtpClient found = null;
        synchronized (this) {
            Deque<Idle> q = idle.get(key);
            long now = System.nanoTime();
            while (found == null && q != null && !q.isEmpty()) {
                Idle i = q.pollFirst();
                if (now - i.since <= maxIdleNanos && i.client.isOpen()) found = i.client;
                else stale.add(i.client);
            }
        }
        for (SmtpClient c : stale) c.close(); // no QUIT: a dead peer must not hold up this delivery
        return found;
    }

    /** Gives a connection back, if still open; its next message starts with RSET, and a connection that fails it is replaced. */
    void give(Object key, SmtpClient c) {
        if (!c.isOpen()) return;
        SmtpClient evicted = null;
        synchronized (this) {
            Deque<Idle> q = idle.computeIfAbsent(key, k -> new ArrayDeque<>());
            q.addFirst(new Idle(c, System.nanoTime()));
            if (q.size() > maxPerServer) evicted = q.pollLast().client;
        }
        if (evicted != null) evicted.quit();
    }

    /** Closes connections idle for too long; called now and then. */
    void expire() {
        java.util.List<SmtpClient> old = new java.util.ArrayList<>();
        synchronized (this) {
            long now = System.nanoTime();
            for (var it = idle.values().iterator(); it.hasNext(); ) {
                Deque<Idle> q = it.next();
                q.removeIf(i -> {
                    if (now - i.since > maxIdleNanos) {
                        old.add(i.client);
                        return true;
                    }
                    return false;
                });
                if (q.isEmpty()) it.remove();
            }
        }
        old.forEach(SmtpClient::quit);
    }

    @Override
    public void close() {
        java.util.List<SmtpClient> all = new java.util.ArrayList<>();
        synchronized (this) {
            idle.values().forEach(q -> q.forEach(i -> all.add(i.client)));
            idle.clear();
        }
        all.forEach(SmtpClient::quit);
    }
}
