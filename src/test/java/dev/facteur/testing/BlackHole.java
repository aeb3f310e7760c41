package dev.facteur.testing;

import dev.facteur.net.HostPort;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;

/** A DNS server that never answers: a UDP socket on a loopback host of its own that reads queries and counts them. */
public final class BlackHole implements AutoCloseable {

    private final DatagramSocket socket;
    private final AtomicInteger queries = new AtomicInteger();

    public BlackHole() {
        try {
            socket = new DatagramSocket(new InetSocketAddress(Loopback.host(), 0));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Thread.ofVirtual().start(() -> {
            var packet = new DatagramPacket(new byte[512], 512);
            try {
                while (true) {
                    socket.receive(packet);
                    queries.incrementAndGet();
                }
            } catch (IOException closed) {
                // the test is over
            }
        });
    }

    public HostPort hostPort() {
        return new HostPort(socket.getLocalAddress().getHostAddress(), socket.getLocalPort());
    }

    /** The queries read so far. */
    public int queries() {
        return queries.get();
    }

    @Override
    public void close() {
        socket.close();
    }
}
