package dev.facteur.auth.dmarc;

import java.net.IDN;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Domain names as DMARC compares them: A-labels (DMARCbis §5.3.1 converts U-labels first),
 * case-insensitive (RFC 4343), without the root's trailing dot.
 */
final class Domains {

    private Domains() {}

    /** The name in its comparable form, or empty when it is not a DNS domain name at all. */
    static Optional<String> normalize(String name) {
        if (name == null) return Optional.empty();
        String n = name.strip();
        if (n.endsWith(".")) n = n.substring(0, n.length() - 1);
        if (n.isEmpty()) return Optional.empty();
        try {
            n = IDN.toASCII(n, IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        if (n.length() > 253) return Optional.empty();
        for (String label : n.split("\\.", -1)) {
            if (label.isEmpty() || label.length() > 63) return Optional.empty();
            for (int i = 0; i < label.length(); i++) {
                char c = label.charAt(i);
                // Letters, digits, hyphens; underscores too, since identifiers such as DKIM d= may carry them.
                if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_')) return Optional.empty();
            }
        }
        return Optional.of(n);
    }

    static List<String> labels(String domain) {
        return List.of(domain.split("\\."));
    }

    /** The last {@code count} labels of {@code domain}. */
    static String lastLabels(String domain, int count) {
        List<String> labels = labels(domain);
        return String.join(".", labels.subList(labels.size() - count, labels.size()));
    }

    static int labelCount(String domain) {
        return labels(domain).size();
    }

    /** Whether {@code name} is {@code ancestor} or below it. */
    static boolean isAtOrBelow(String name, String ancestor) {
        return name.equals(ancestor) || name.endsWith("." + ancestor);
    }
}
