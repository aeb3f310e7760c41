package dev.facteur.policy.check;

import dev.facteur.net.Cidr;
import java.net.Inet6Address;
import java.net.InetAddress;

/** How a client's address is grouped with its neighbours: the pools large senders send from. */
final class Networks {

    private Networks() {}

    /** The client's network as text: its /{@code v4} (IPv4) or /{@code v6} (IPv6) prefix, e.g. {@code 192.0.2.0/24}. */
    static String of(InetAddress a, int v4, int v6) {
        return Cidr.of(a, a instanceof Inet6Address ? v6 : v4).toString();
    }
}
