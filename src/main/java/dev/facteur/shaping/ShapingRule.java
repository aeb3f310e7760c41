package dev.facteur.shaping;

import java.util.List;

/**
 * One {@code [[shaping.rules]]} entry: the sites it is for, by recipient domain or by the name of
 * a mail server, and their limits. The first rule that matches wins.
 *
 * @param domains   recipient domains (exact; compared in lower case, without a trailing dot, as the names below)
 * @param mxHosts   mail server name patterns: exact, or {@code *.example.net} for any name below it
 * @param site      the site's name for budgets and logs; null to keep the rolled-up name
 * @param limits    the site's limits (the defaults, changed where the rule says)
 * @param addresses the address family its servers are tried in first
 */
public record ShapingRule(List<String> domains, List<String> mxHosts, String site, SiteLimits limits, AddressPreference addresses) {

    public ShapingRule(List<String> domains, List<String> mxHosts, String site, SiteLimits limits) {
        this(domains, mxHosts, site, limits, AddressPreference.ANY);
    }

    public ShapingRule {
        domains = domains.stream().map(Sites::trim).toList();
        mxHosts = mxHosts.stream().map(Sites::trim).toList();
        if (domains.isEmpty() && mxHosts.isEmpty()) throw new IllegalArgumentException("a shaping rule needs domains or mx");
    }

    /** Whether the rule is for mail to {@code domain}, served by {@code mxHosts} (lower case, most preferred first). */
    boolean matches(String domain, List<String> servers) {
        if (domains.contains(domain)) return true;
        for (String host : servers) {
            for (String pattern : mxHosts) {
                if (pattern.startsWith("*.") ? host.endsWith(pattern.substring(1)) : host.equals(pattern)) return true;
            }
        }
        return false;
    }
}
