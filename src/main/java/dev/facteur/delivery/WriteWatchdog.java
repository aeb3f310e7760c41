package dev.facteur.delivery;

import java.io.IOException;
import java.net.Socket;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Java sockets have no write timeout: a server that stops reading would block us forever. One
 * daemon thread closes any socket whose guarded write made no progress within its timeout
 * (RFC 5321 §4.5.3.2.5, the 3-minute data block timeout).
 */
final class WriteWatchdog {

    private static final Set<Guard> guards = ConcurrentHashMap.newKeySet();

    static {
        Thread.ofPlatform().name("smtp-write-watchdog").daemon().start(WriteWatchdog::watch);
    }

    private WriteWatchdog() {}

    static Guard guard(Socket socket, Duration timeout) {
        Guard g = new Guard(socket, timeout.toNanos());
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
                if (now - g.lastProgress > g.timeoutNanos) {
                    guards.remove(g);
                    try {
                        g.socket.close();
                    } catch (IOException ignored) {
                        // the blocked writer sees the close
                    }
                }
            }
        }
    }

    static final class Guard implements AutoCloseable {
        private final Socket socket;
        private final long timeoutNanos;
        private volatile long lastProgress = System.nanoTime();

        private Guard(Socket socket, long timeoutNanos) {
            this.socket = socket;
            this.timeoutNanos = timeoutNanos;
        }

        void progress() {
            lastProgress = System.nanoTime();
        }

        @Override
        public void close() {
            guards.remove(this);
        }
    }
}
