package dev.facteur.it.delivery;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A peer that accepts TCP connections and never says a word: no greeting, no reply, no close.
 * No real MTA behaves so; a broken or hostile one does.
 */
final class BlackHole implements AutoCloseable {

    private final ServerSocket server;
    private final List<Socket> accepted = new CopyOnWriteArrayList<>();

    private BlackHole(ServerSocket server) {
        this.server = server;
        Thread.ofVirtual().name("black-hole").start(this::accept);
    }

    static BlackHole start(String host, int port) throws IOException {
        var server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getByName(host), port), 1000);
        return new BlackHole(server);
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                accepted.add(server.accept());
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    /** Connections accepted so far. */
    int accepted() {
        return accepted.size();
    }

    /** Connections the client has not closed (nothing is ever sent to us before a greeting, so any read result means closed). */
    long open() throws IOException {
        long n = 0;
        for (Socket s : accepted) {
            s.setSoTimeout(1);
            try {
                if (s.getInputStream().read() < 0) continue;
            } catch (SocketTimeoutException stillWaiting) {
                n++;
                continue;
            } catch (IOException reset) {
                continue;
            }
            n++; // the client wrote something without a greeting: open, if odd
        }
        return n;
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : accepted) s.close();
    }
}
