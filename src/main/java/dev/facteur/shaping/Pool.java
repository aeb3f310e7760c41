package dev.facteur.shaping;

import java.util.List;
import java.util.Locale;

/**
 * A named group of {@link Source}s used in turn, the senders whose mail uses it, and the pool
 * to try when a destination refuses this one.
 *
 * @param senderDomains envelope sender domains (a name covers its subdomains too)
 * @param fallback      another pool's name, or null
 */
public record Pool(String name, List<String> senderDomains, String fallback) {

    public Pool {
        senderDomains = senderDomains.stream().map(d -> d.toLowerCase(Locale.ROOT)).toList();
    }

    boolean serves(String senderDomain) {
        String d = senderDomain.toLowerCase(Locale.ROOT);
        return senderDomains.stream().anyMatch(s -> d.equals(s) || d.endsWith("." + s));
    }
}
