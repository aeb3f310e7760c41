package dev.facteur.shaping;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Which address family a site's servers are tried in first, when a server has both (Postfix's
 * {@code smtp_address_preference}): some receivers trust one family less, or a sender's IPv6
 * addresses have no reputation yet. The order of the servers themselves (MX preference) stays.
 */
public enum AddressPreference {
    ANY, IPV4, IPV6;

    public static AddressPreference parse(String s) {
        return switch (s) {
            case "any" -> ANY;
            case "ipv4" -> IPV4;
            case "ipv6" -> IPV6;
            default -> throw new IllegalArgumentException("must be \"any\", \"ipv4\" or \"ipv6\", got \"" + s + "\"");
        };
    }

    /** The items (each a server's address), the preferred family first within each run of one server's addresses. */
    public <T> List<T> order(List<T> items, Function<T, String> server, Function<T, InetAddress> address) {
        if (this == ANY) return items;
        List<T> out = new ArrayList<>(items.size());
        int i = 0;
        while (i < items.size()) {
            int j = i;
            String name = server.apply(items.get(i));
            while (j < items.size() && server.apply(items.get(j)).equals(name)) j++;
            for (int k = i; k < j; k++) if (preferred(address.apply(items.get(k)))) out.add(items.get(k));
            for (int k = i; k < j; k++) if (!preferred(address.apply(items.get(k)))) out.add(items.get(k));
            i = j;
        }
        return out;
    }

    private boolean preferred(InetAddress a) {
        return (a instanceof Inet6Address) == (this == IPV6);
    }
}
