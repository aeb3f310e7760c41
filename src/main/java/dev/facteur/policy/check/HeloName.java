package dev.facteur.policy.check;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Locale;
import java.util.regex.Pattern;

/** What a client gave as its EHLO or HELO name (RFC 5321 §4.1.1.1): a name, an address literal, or neither. */
sealed interface HeloName {

    /** A host name; {@code qualified} when it has a dot (a name without one is no FQDN). */
    record Name(String name, boolean qualified) implements HeloName {}

    /** {@code [192.0.2.1]} or {@code [IPv6:2001:db8::1]} (§4.1.3). */
    record Literal(InetAddress address) implements HeloName {}

    /** {@code [tag:content]}, a General-address-literal (§4.1.3): no address to compare. */
    record General(String text) implements HeloName {}

    /** Not valid syntax; {@code why} says how. */
    record Invalid(String why) implements HeloName {}

    Pattern IPV4 = Pattern.compile("[0-9]{1,3}(\\.[0-9]{1,3}){3}");
    Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]+");
    Pattern TAG = Pattern.compile("[A-Za-z0-9-]*[A-Za-z0-9]:[\\x21-\\x5a\\x5e-\\x7e]+"); // Standardized-tag ":" 1*dcontent

    static HeloName parse(String helo) {
        if (helo.startsWith("[")) {
            if (!helo.endsWith("]") || helo.length() < 3) return new Invalid("an address literal without its closing bracket");
            String inside = helo.substring(1, helo.length() - 1);
            if (inside.regionMatches(true, 0, "IPv6:", 0, 5)) {
                InetAddress a = ipv6(inside.substring(5));
                return a != null ? new Literal(a) : new Invalid("not an IPv6 address literal");
            }
            InetAddress a = ipv4(inside);
            if (a != null) return new Literal(a);
            if (TAG.matcher(inside).matches()) return new General(inside);
            return new Invalid("not an address literal");
        }
        if (ipv4(helo) != null || ipv6(helo) != null) return new Invalid("an address without brackets (RFC 5321 §4.1.3: [192.0.2.1], [IPv6:2001:db8::1])");
        String why = HostnameSyntax.problem(helo);
        if (why != null) return new Invalid("not a valid host name: " + why);
        return new Name(helo.toLowerCase(Locale.ROOT), helo.indexOf('.') > 0);
    }

    /** Four decimal numbers of 0 to 255, nothing else (not "1.2.3", not octal). */
    private static InetAddress ipv4(String s) {
        if (!IPV4.matcher(s).matches()) return null;
        for (String part : s.split("\\.")) if (Integer.parseInt(part) > 255) return null;
        return InetAddress.ofLiteral(s);
    }

    private static InetAddress ipv6(String s) {
        if (s.indexOf(':') < 0 || !IPV6.matcher(s).matches()) return null;
        try {
            return Inet6Address.ofLiteral(s); // an IPv4-mapped one comes back as the IPv4 address, as a socket gives it
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
