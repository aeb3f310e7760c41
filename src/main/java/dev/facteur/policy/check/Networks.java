package dev.facteur.policy.check;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** How a client's address is grouped with its neighbours: the pools large senders send from. */
final class Networks {

    private Networks() {}

    /** The client's network as text: its /{@code v4} (IPv4) or /{@code v6} (IPv6) prefix, e.g. {@code 192.0.2.0/24}. */
    static String of(InetAddress a, int v4, int v6) {
        byte[] b = a.getAddress();
        int prefix = a instanceof Inet6Address ? v6 : v4;
        for (int i = 0; i < b.length; i++) {
            int keep = Math.clamp(prefix - 8L * i, 0, 8);
            b[i] &= (byte) (0xff << (8 - keep));
        }
        try {
            return InetAddress.getByAddress(b).getHostAddress() + "/" + prefix;
        } catch (UnknownHostException e) {
            throw new AssertionError(e); // a 4- or 16-byte array is always an address
        }
    }
}
