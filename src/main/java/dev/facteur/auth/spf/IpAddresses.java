package dev.facteur.auth.spf;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * IP addresses as SPF reads and writes them: the strict literals of the {@code ip4} and {@code ip6}
 * mechanisms (§5.6), the client treated as IPv4 when it is IPv4-mapped (§5), and the forms the
 * {@code i} and {@code c} macros give (§7.3).
 */
final class IpAddresses {

    private IpAddresses() {}

    /**
     * §5: "an IPv4-mapped IPv6 address ... MUST still be considered an IPv4 address". The JDK
     * usually makes that an {@link Inet4Address} already, but not an address built by scope or
     * interface, so check the bytes.
     */
    static InetAddress client(InetAddress ip) {
        byte[] b = ip.getAddress();
        if (b.length != 16) return ip;
        for (int i = 0; i < 10; i++) if (b[i] != 0) return ip;
        if (b[10] != (byte) 0xff || b[11] != (byte) 0xff) return ip;
        try {
            return InetAddress.getByAddress(Arrays.copyOfRange(b, 12, 16));
        } catch (UnknownHostException e) {
            throw new AssertionError(e); // four bytes are always an address
        }
    }

    /**
     * An {@code ip4-network} (Appendix A): four {@code qnum}s, each 0 to 255 without leading zeros;
     * null when {@code text} is not one. {@code ip4:1.2.3} is not a /24 (§5.6).
     */
    static byte[] ip4(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) return null;
        byte[] address = new byte[4];
        for (int i = 0; i < 4; i++) {
            int n = qnum(parts[i]);
            if (n < 0) return null;
            address[i] = (byte) n;
        }
        return address;
    }

    /** A decimal 0 to 255 with no leading zero, or -1. */
    private static int qnum(String s) {
        if (s.isEmpty() || s.length() > 3 || (s.length() > 1 && s.charAt(0) == '0')) return -1;
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') return -1;
            n = n * 10 + (c - '0');
        }
        return n <= 255 ? n : -1;
    }

    /**
     * An {@code ip6-network}: an IPv6 address in the text forms of RFC 4291 §2.2 (hex groups, one
     * {@code ::}, an IPv4 tail); null when {@code text} is not one. No brackets, no zone.
     */
    static byte[] ip6(String text) {
        int gap = text.indexOf("::");
        if (gap >= 0 && text.indexOf("::", gap + 1) >= 0) return null;
        byte[] head = groups(gap < 0 ? text : text.substring(0, gap), gap < 0);
        byte[] tail = gap < 0 ? new byte[0] : groups(text.substring(gap + 2), true);
        if (head == null || tail == null) return null;
        int present = head.length + tail.length;
        if (gap < 0 ? present != 16 : present > 14) return null; // "::" stands for at least one zero group
        byte[] address = new byte[16];
        System.arraycopy(head, 0, address, 0, head.length);
        System.arraycopy(tail, 0, address, 16 - tail.length, tail.length);
        return address;
    }

    /** Colon-separated hex groups, the last one possibly a dotted IPv4 address when {@code last}. */
    private static byte[] groups(String text, boolean last) {
        if (text.isEmpty()) return new byte[0];
        String[] parts = text.split(":", -1);
        byte[] out = new byte[parts.length * 2 + 2];
        int n = 0;
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i];
            if (last && i == parts.length - 1 && p.indexOf('.') >= 0) {
                byte[] v4 = ip4(p);
                if (v4 == null) return null;
                System.arraycopy(v4, 0, out, n, 4);
                n += 4;
                continue;
            }
            if (p.isEmpty() || p.length() > 4) return null;
            int v = 0;
            for (int j = 0; j < p.length(); j++) {
                int d = Character.digit(p.charAt(j), 16);
                if (d < 0) return null;
                v = v * 16 + d;
            }
            out[n++] = (byte) (v >> 8);
            out[n++] = (byte) v;
        }
        return Arrays.copyOf(out, n);
    }

    /** Sixteen bytes as an IPv6 address, never turned into IPv4 (an {@code ip6:::ffff:...} network is IPv6). */
    static InetAddress v6(byte[] address) {
        try {
            return Inet6Address.getByAddress(null, address, (NetworkInterface) null);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** Four bytes as an IPv4 address. */
    static InetAddress v4(byte[] address) {
        try {
            return InetAddress.getByAddress(address);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * The {@code i} macro (§7.3): IPv4 in dotted decimal; IPv6 as 32 dot-separated nibbles, the
     * form the {@code ip6.arpa} tree uses, lowercase as in §7.4's example.
     */
    static String dotted(InetAddress ip) {
        if (ip instanceof Inet4Address) return ip.getHostAddress();
        String hex = HexFormat.of().formatHex(ip.getAddress());
        StringBuilder sb = new StringBuilder(63);
        for (int i = 0; i < hex.length(); i++) {
            if (i > 0) sb.append('.');
            sb.append(hex.charAt(i));
        }
        return sb.toString();
    }

    /**
     * The {@code c} macro (§7.3): IPv4 in dotted decimal; IPv6 as RFC 5952 writes it (lowercase,
     * no leading zeros, the longest run of two or more zero groups, the first of equals, as "::").
     */
    static String readable(InetAddress ip) {
        if (ip instanceof Inet4Address) return ip.getHostAddress();
        byte[] b = ip.getAddress();
        int[] g = new int[8];
        for (int i = 0; i < 8; i++) g[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        int bestStart = -1, bestLength = 1;
        for (int i = 0; i < 8; ) {
            if (g[i] != 0) { i++; continue; }
            int j = i;
            while (j < 8 && g[j] == 0) j++;
            if (j - i > bestLength) { bestStart = i; bestLength = j - i; }
            i = j;
        }
        StringBuilder sb = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLength - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') sb.append(':');
            sb.append(Integer.toHexString(g[i]));
        }
        return sb.toString();
    }
}
