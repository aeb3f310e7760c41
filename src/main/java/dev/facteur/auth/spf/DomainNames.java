package dev.facteur.auth.spf;

/** The domain-name rules SPF applies before it asks DNS (§4.3, §7.3). */
final class DomainNames {

    /** RFC 1035 §2.3.4, written without the final dot. */
    static final int MAX_NAME = 253;
    static final int MAX_LABEL = 63;

    private DomainNames() {}

    /** A domain as SPF compares and expands it: a final dot means nothing here (the suite's "trailing-dot-domain"). */
    static String withoutFinalDot(String name) {
        return name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    }

    /**
     * Why DNS could hold no such name (empty, an empty label, a label over 63 octets, over 253 in
     * all), or null when it could. A mechanism's target that breaks these matches nothing: no
     * query could be sent for it (§4.8 leaves the case open; the suite accepts this result).
     */
    static String unqueryable(String name) {
        if (name.isEmpty()) return "an empty name";
        if (name.length() > MAX_NAME) return "longer than " + MAX_NAME + " characters";
        int start = 0;
        while (true) {
            int dot = name.indexOf('.', start);
            int end = dot < 0 ? name.length() : dot;
            if (end == start) return "an empty label";
            if (end - start > MAX_LABEL) return "a label longer than " + MAX_LABEL + " characters";
            if (dot < 0) return null;
            start = dot + 1;
        }
    }

    /**
     * §4.3: why check_host() cannot start from {@code domain} ("none"), or null when it can. Besides
     * {@link #unqueryable}, it must be a multi-label name, and an address literal is not a domain.
     */
    static String notADomain(String domain) {
        if (domain.startsWith("[")) return "an address literal, not a domain";
        String problem = unqueryable(domain);
        if (problem != null) return problem;
        if (domain.indexOf('.') < 0) return "not a multi-label domain name";
        return null;
    }

    /**
     * §7.3: "if the expanded domain name exceeds 253 characters ... the left side is truncated to
     * fit, by removing successive domain labels (and their following dots)".
     */
    static String truncated(String name) {
        while (name.length() > MAX_NAME) {
            int dot = name.indexOf('.');
            if (dot < 0) return name; // one huge label: unqueryable() says so
            name = name.substring(dot + 1);
        }
        return name;
    }
}
