package dev.facteur.net;

import java.net.InetAddress;

/** An IPv4 or IPv6 network such as {@code 127.0.0.0/8} or {@code ::1/128}. */
public record Cidr(byte[] network, int prefix) {

    public static Cidr parse(String s) {
        int slash = s.indexOf('/');
        String addr = slash < 0 ? s : s.substring(0, slash);
        InetAddress a;
        try {
            a = InetAddress.ofLiteral(addr);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not an IP network: " + s);
        }
        byte[] bytes = a.getAddress();
        int max = bytes.length * 8;
        int prefix;
        try {
            prefix = slash < 0 ? max : Integer.parseInt(s.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad prefix length in " + s);
        }
        if (prefix < 0 || prefix > max) throw new IllegalArgumentException("bad prefix length in " + s);
        return new Cidr(mask(bytes, prefix), prefix);
    }

    /** The network of {@code prefix} bits that holds {@code a}, e.g. 192.0.2.7 and 24 give {@code 192.0.2.0/24}. */
    public static Cidr of(InetAddress a, int prefix) {
        byte[] bytes = a.getAddress();
        if (prefix < 0 || prefix > bytes.length * 8) throw new IllegalArgumentException("bad prefix length " + prefix + " for " + a);
        return new Cidr(mask(bytes, prefix), prefix);
    }

    public boolean contains(InetAddress a) {
        byte[] b = a.getAddress();
        if (b.length != network.length) return false;
        return java.util.Arrays.equals(mask(b, prefix), network);
    }

    private static byte[] mask(byte[] b, int prefix) {
        byte[] out = b.clone();
        for (int i = 0; i < out.length; i++) {
            int bits = Math.max(0, Math.min(8, prefix - i * 8));
            out[i] &= (byte) (0xff << (8 - bits));
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cidr c && c.prefix == prefix && java.util.Arrays.equals(c.network, network);
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(network) * 31 + prefix;
    }

    @Override
    public String toString() {
        try {
            return InetAddress.getByAddress(network).getHostAddress() + "/" + prefix;
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
