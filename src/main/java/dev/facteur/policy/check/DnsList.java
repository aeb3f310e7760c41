package dev.facteur.policy.check;

import java.util.Locale;

/**
 * One entry of a list of DNS lists, in postscreen's syntax {@code zone[=filter][*weight]}:
 * {@code zen.example*3}, {@code list.example=127.0.0.[2..11]*2}, {@code wl.example=127.0.[0..255].[1..255]*-2},
 * or a plain {@code bl.example}. Without a filter any answer in 127.0.0.0/8 counts, where lists
 * answer (RFC 5782); without a weight it is 1. A negative weight makes it an allow list.
 *
 * @param filter the answers that count, or null for any in 127.0.0.0/8
 */
public record DnsList(String zone, ReplyFilter filter, int weight) {

    public DnsList {
        zone = zone.toLowerCase(Locale.ROOT);
        String why = HostnameSyntax.problem(zone);
        if (why != null) throw new IllegalArgumentException("\"" + zone + "\" is not a DNS zone: " + why);
    }

    /** Reads one entry; the IllegalArgumentException quotes it and says what is wrong. */
    public static DnsList parse(String entry) {
        try {
            String rest = entry.strip();
            int weight = 1;
            int star = rest.lastIndexOf('*');
            if (star >= 0) {
                String w = rest.substring(star + 1);
                if (!w.matches("[+-]?[0-9]{1,6}")) throw new IllegalArgumentException("the weight \"" + w + "\" is not a whole number");
                weight = Integer.parseInt(w);
                rest = rest.substring(0, star);
            }
            int eq = rest.indexOf('=');
            ReplyFilter filter = eq < 0 ? null : ReplyFilter.parse(rest.substring(eq + 1));
            return new DnsList(eq < 0 ? rest : rest.substring(0, eq), filter, weight);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("DNS list \"" + entry + "\": " + e.getMessage() + " (expected zone[=filter][*weight],"
                    + " e.g. list.example=127.0.0.[2..11]*2)", e);
        }
    }

    @Override
    public String toString() {
        return zone + (filter == null ? "" : "=" + filter) + (weight == 1 ? "" : "*" + weight);
    }
}
