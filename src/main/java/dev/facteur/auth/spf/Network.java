package dev.facteur.auth.spf;

import java.net.InetAddress;

/**
 * An address and a prefix length: what {@code ip4}/{@code ip6} name, and how {@code a} and
 * {@code mx} compare the addresses they find with the client (§5.3, §5.6).
 */
record Network(InetAddress address, int prefixLength) {

    Network {
        int bits = address.getAddress().length * 8;
        if (prefixLength < 0 || prefixLength > bits) throw new IllegalArgumentException("/" + prefixLength + " for " + address);
    }

    /** Whether {@code ip} lies in this network; an address of the other family never does (§5). */
    boolean contains(InetAddress ip) {
        byte[] net = address.getAddress();
        byte[] client = ip.getAddress();
        if (net.length != client.length) return false;
        int whole = prefixLength / 8;
        for (int i = 0; i < whole; i++) if (net[i] != client[i]) return false;
        int rest = prefixLength % 8;
        if (rest == 0) return true;
        int mask = (0xff << (8 - rest)) & 0xff;
        return (net[whole] & mask) == (client[whole] & mask);
    }

    @Override
    public String toString() {
        return address.getHostAddress() + "/" + prefixLength;
    }
}
