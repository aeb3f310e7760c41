package dev.facteur.doctor;

import dev.facteur.auth.dkim.DkimKeys;
import dev.facteur.dns.Tlsa;
import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * DNS records as a zone file writes them, the form the fixes are printed in: absolute names with
 * their final dot, TXT values quoted and cut into strings of at most 255 bytes (RFC 1035 §3.3.14).
 */
final class Records {

    private Records() {}

    static String absolute(String name) {
        return name.endsWith(".") ? name : name + ".";
    }

    /** RFC 1035 §3.5 and RFC 3596 §2.5: {@code 5.2.0.192.in-addr.arpa.}, or 32 nibbles under {@code ip6.arpa.}. */
    static String reverseName(InetAddress address) {
        byte[] b = address.getAddress();
        var sb = new StringBuilder();
        for (int i = b.length - 1; i >= 0; i--) {
            int v = b[i] & 0xff;
            if (address instanceof Inet4Address) sb.append(v).append('.');
            else sb.append(Character.forDigit(v & 0xf, 16)).append('.').append(Character.forDigit(v >> 4, 16)).append('.');
        }
        return sb.append(address instanceof Inet4Address ? "in-addr.arpa." : "ip6.arpa.").toString();
    }

    /** An address as people write it: IPv6 compressed as RFC 5952 §4 says ({@code 2001:db8::1}), not the JDK's full form. */
    static String text(InetAddress address) {
        if (address instanceof Inet4Address) return address.getHostAddress();
        byte[] b = address.getAddress();
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) groups[i] = (b[2 * i] & 0xff) << 8 | (b[2 * i + 1] & 0xff);
        int bestStart = -1, bestLength = 1; // §4.2.2: "::" never stands for a single group
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && groups[j] == 0) j++;
            if (j - i > bestLength) { // §4.2.3: the longest run, the first of equal ones
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        var sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLength - 1;
                continue;
            }
            if (!sb.isEmpty() && sb.charAt(sb.length() - 1) != ':') sb.append(':');
            sb.append(Integer.toHexString(groups[i]));
        }
        return sb.toString();
    }

    static String ptr(InetAddress address, String name) {
        return reverseName(address) + " PTR " + absolute(name);
    }

    /** {@code name. A 192.0.2.5}, or AAAA for an IPv6 address. */
    static String address(String name, InetAddress address) {
        return absolute(name) + (address instanceof Inet4Address ? " A " : " AAAA ") + text(address);
    }

    static String mx(String domain, String host) {
        return absolute(domain) + " MX 10 " + absolute(host);
    }

    static String txt(String name, String value) {
        return absolute(name) + " TXT " + String.join(" ", DkimKeys.strings(value));
    }

    /** The TLSA record of {@code host}'s SMTP port (RFC 7672 §2.2), {@code rdata} as {@link Tlsa#toString()} writes it. */
    static String tlsa(String host, String rdata) {
        return absolute("_" + TlsaChecks.SMTP_PORT + "._tcp." + host) + " TLSA " + rdata;
    }

    static String tlsa(String host, Tlsa record) {
        return tlsa(host, record.toString());
    }

    /** SPF's mechanism for exactly this address (RFC 7208 §5.6). */
    static String spfTerm(InetAddress address) {
        return (address instanceof Inet4Address ? "ip4:" : "ip6:") + text(address);
    }
}
