package dev.facteur.shaping;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/**
 * Which site a destination belongs to (MX roll-up). Large providers serve thousands of domains
 * from one set of servers and limit a sender across all of them, so the budget is kept per
 * site, not per domain:
 *
 * <ol>
 *   <li>the first {@code [[shaping.rules]]} entry that names the domain, or one of its mail
 *       servers (by pattern), gives the limits, and its {@code site} the name if it has one;
 *   <li>otherwise the site is the registrable domain (public suffix plus one label) of the most
 *       preferred mail server: {@code aspmx.l.google.com} gives {@code google.com},
 *       {@code example-org.mail.protection.outlook.com} gives {@code outlook.com}; a domain
 *       without MX records (its own address is its server) rolls up to its own registrable domain.
 * </ol>
 */
public final class Sites {

    private final List<ShapingRule> rules;
    private final SiteLimits defaults;
    private final Function<String, Optional<String>> registrableDomain;
    private final AddressPreference preference;

    /** @param registrableDomain the public suffix plus one label of a name, or empty for a public suffix itself */
    public Sites(List<ShapingRule> rules, SiteLimits defaults, Function<String, Optional<String>> registrableDomain) {
        this(rules, defaults, AddressPreference.ANY, registrableDomain);
    }

    /** @param preference the address family tried first at sites no rule names */
    public Sites(List<ShapingRule> rules, SiteLimits defaults, AddressPreference preference,
            Function<String, Optional<String>> registrableDomain) {
        this.preference = preference;
        this.rules = List.copyOf(rules);
        this.defaults = defaults;
        this.registrableDomain = registrableDomain;
    }

    /**
     * The site of mail to {@code domain} whose servers are {@code servers}, most preferred first
     * (for a relay, the relay's name alone; none for a domain without MX records). Names are
     * compared in lower case, without a trailing dot.
     */
    public Site of(String domain, List<String> servers) {
        String d = trim(domain);
        // RFC 5321 §5.1: without MX records, the domain is its own mail server (the implicit MX)
        List<String> names = servers.isEmpty() ? List.of(d) : servers.stream().map(Sites::trim).toList();
        String rolled = rollUp(names.getFirst());
        for (ShapingRule r : rules) {
            if (r.matches(d, names)) return new Site(r.site() != null ? r.site() : rolled, r.limits(), r.addresses());
        }
        return new Site(rolled, defaults, preference);
    }

    private String rollUp(String host) {
        if (host.isEmpty() || host.indexOf(':') >= 0 || host.matches("[0-9.]+")) return host; // an address: no domain to roll up to
        return registrableDomain.apply(host).orElse(host);
    }

    static String trim(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
    }
}
