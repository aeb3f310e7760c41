package dev.facteur.delivery;

import java.io.IOException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Java sockets have no write timeout (and channels no read timeout either): a server that stops
 * reading would block us forever. One daemon thread closes any connection whose guarded
 * operation made no progress within its timeout (RFC 5321 §4.5.3.2.5, the 3-minute data block
 * timeout). It also bounds what a read timeout cannot: a whole reply over a unix socket, and a
 * TLS handshake or TLS record trickled in a byte at a time.
 */
final class WriteWatchdog {

    private static final Set<Guard> guards = ConcurrentHashMap.newKeySet();

    static {
        Thread.ofPlatform().name("smtp-write-watchdog").daemon().start(WriteWatchdog::watch);
    }

    private WriteWatchdog() {}

    /** Closes {@code connection} unless {@link Guard#progress} or {@link Guard#close} comes within {@code timeout}. */
    static Guard guard(java.io.Closeable connection, Duration timeout) {
        Guard g = new Guard(connection, timeout.toNanos());
        guards.add(g);
        return g;
    }

    private static void watch() {
        while (true) {
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            for (Guard g : guards) {
                // removed by us, not by its owner finishing meanwhile: only then is it stuck
                if (now - g.lastProgress > g.timeoutNanos && guards.remove(g)) {
                    g.expired = true;
                    try {
                        g.connection.close();
                    } catch (IOException ignored) {
                        // the blocked writer sees the close
                    }
                }
            }
        }
    }

    static final class Guard implements AutoCloseable {
        private final java.io.Closeable connection;
        private final long timeoutNanos;
        private volatile long lastProgress = System.nanoTime();
        private volatile boolean expired;

        private Guard(java.io.Closeable connection, long timeoutNanos) {
            this.connection = connection;
            this.timeoutNanos = timeoutNanos;
        }

        void progress() {
            lastProgress = System.nanoTime();
        }

        /** Whether the watchdog closed the connection: what failed then was a timeout. */
        boolean expired() {
            return expired;
        }

        @Override
        public void close() {
            guards.remove(this);
        }
    }
}
