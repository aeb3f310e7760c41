package dev.facteur.shaping;

/**
 * A receiving site: the name its budget is kept under (a rule's {@code site}, or the registrable
 * domain of its mail servers), its limits, and the address family its servers are tried in first.
 */
public record Site(String name, SiteLimits limits, AddressPreference addresses) {

    public Site(String name, SiteLimits limits) {
        this(name, limits, AddressPreference.ANY);
    }

    @Override
    public String toString() {
        return name;
    }
}
