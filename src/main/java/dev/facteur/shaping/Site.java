package dev.facteur.shaping;

/**
 * A receiving site: the name its budget is kept under (a rule's {@code site}, or the registrable
 * domain of its mail servers) and its limits.
 */
public record Site(String name, SiteLimits limits) {

    @Override
    public String toString() {
        return name;
    }
}
