package dev.facteur.policy.check;

import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * An address as DNS lists are asked about it (RFC 5782 §2.1, §2.4): the octets of an IPv4
 * address in reverse order ({@code 192.0.2.1} → {@code 1.2.0.192}), the 32 nibbles of an IPv6
 * address in reverse order, each one hexadecimal digit, as in {@code ip6.arpa}.
 */
final class ReversedAddress {

    private ReversedAddress() {}

    static String of(InetAddress address) {
        byte[] b = address.getAddress();
        var sb = new StringBuilder(b.length * 4);
        for (int i = b.length - 1; i >= 0; i--) {
            int v = b[i] & 0xff;
            if (address instanceof Inet4Address) sb.append(v);
            else sb.append(Character.forDigit(v & 0xf, 16)).append('.').append(Character.forDigit(v >> 4, 16));
            if (i > 0) sb.append('.');
        }
        return sb.toString();
    }
}
