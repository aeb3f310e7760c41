package dev.facteur.auth.dmarc;

import java.util.Locale;

/**
 * How Organizational Domains and inherited policies are found: configuration's
 * {@code org_domain = "tree-walk" | "psl"}.
 *
 * <p>{@link #TREE_WALK} is the default. It is what RFC 9989 (DMARCbis), which obsoletes RFC 7489,
 * specifies; it honours {@code psd=} flags that suffix operators publish; and it needs no list
 * that goes stale on disk. Its cost is at most eight TXT questions per walk, most of them answered
 * from the resolver's cache. {@link #PSL} is RFC 7489 §3.2, for operators who want the verdicts
 * most receivers gave before DMARCbis, or fewer DNS questions.
 */
public enum OrgDomainMethod {
    TREE_WALK("tree-walk", "treewalk"),
    PSL("psl", "psl");

    private final String configName;
    private final String reportName;

    OrgDomainMethod(String configName, String reportName) {
        this.configName = configName;
        this.reportName = reportName;
    }

    /** The configuration value. */
    public String configName() {
        return configName;
    }

    /** RFC 9990's {@code discovery_method} value. */
    public String reportName() {
        return reportName;
    }

    public static OrgDomainMethod parse(String value) {
        String v = value.strip().toLowerCase(Locale.ROOT);
        for (OrgDomainMethod m : values()) {
            if (m.configName.equals(v) || m.reportName.equals(v)) return m;
        }
        throw new IllegalArgumentException("org_domain must be \"tree-walk\" or \"psl\", not \"" + value + "\"");
    }
}
