package dev.facteur.routing;

import java.net.InetAddress;
import java.net.InetSocketAddress;

/** One server to try: the name it goes by (for TLS SNI and logs) and one of its addresses. */
public record Hop(String host, InetAddress address, int port) {

    public InetSocketAddress socketAddress() {
        return new InetSocketAddress(address, port);
    }

    /** As in logs: {@code mx1.example.org[192.0.2.1]:25}. */
    @Override
    public String toString() {
        return host + "[" + address.getHostAddress() + "]:" + port;
    }
}
