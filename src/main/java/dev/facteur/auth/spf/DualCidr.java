package dev.facteur.auth.spf;

import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * §5.6 {@code dual-cidr-length}: the prefix lengths {@code a} and {@code mx} use for IPv4 and
 * for IPv6 addresses; whole addresses (/32, /128) unless the record says otherwise.
 */
record DualCidr(int ip4, int ip6) {

    static final DualCidr WHOLE = new DualCidr(32, 128);

    /** Whether {@code found}, an address DNS gave for a name, covers the client at this length. */
    boolean covers(InetAddress found, InetAddress client) {
        return new Network(found, found instanceof Inet4Address ? ip4 : ip6).contains(client);
    }
}
