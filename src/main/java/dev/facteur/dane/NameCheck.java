package dev.facteur.dane;

import java.net.IDN;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * The name check of DANE-TA(2) (RFC 7672 §3.2.2, §3.2.3): the server certificate must name one
 * of the reference identifiers. Only its DNS-IDs (subjectAltName dNSName) are read when it has
 * any; the subject's CN only when it has none. A wildcard is allowed as the whole left-most
 * label, and stands for exactly one label. DANE-EE(3) has no name check (§3.2.1).
 */
final class NameCheck {

    private NameCheck() {}

    private static final int DNS_NAME = 2; // GeneralName dNSName, RFC 5280 §4.2.1.6

    /** The reference identifier the certificate names, or null when it names none of them. */
    static String matching(X509Certificate leaf, List<String> referenceIdentifiers) {
        List<String> presented = presented(leaf);
        for (String reference : referenceIdentifiers) {
            String wanted = normalise(reference);
            if (wanted == null) continue;
            for (String name : presented) if (matches(normalise(name), wanted)) return reference;
        }
        return null;
    }

    /** The names the certificate presents, as RFC 7672 §3.2.3 says to read them. */
    static List<String> presented(X509Certificate leaf) {
        List<String> dnsIds = new ArrayList<>();
        try {
            Collection<List<?>> sans = leaf.getSubjectAlternativeNames();
            if (sans != null)
                for (List<?> san : sans) if (san.get(0) instanceof Integer type && type == DNS_NAME) dnsIds.add((String) san.get(1));
        } catch (CertificateParsingException e) {
            return List.of(); // a certificate whose names cannot be read names nothing
        }
        if (!dnsIds.isEmpty()) return dnsIds;
        List<String> cns = new ArrayList<>();
        try {
            for (Rdn rdn : new LdapName(leaf.getSubjectX500Principal().getName()).getRdns())
                if (rdn.getType().equalsIgnoreCase("CN")) cns.add(rdn.getValue().toString());
        } catch (InvalidNameException e) {
            return List.of();
        }
        return cns;
    }

    private static boolean matches(String presented, String reference) {
        if (presented == null) return false;
        if (presented.equals(reference)) return true;
        if (!presented.startsWith("*.")) return false;
        String parent = presented.substring(2);
        // "*.com" would stand for a whole top-level domain: a wildcard needs two labels beside it
        if (!parent.contains(".")) return false;
        int dot = reference.indexOf('.');
        return dot > 0 && reference.substring(dot + 1).equals(parent);
    }

    /** Lowercase A-labels without the trailing dot; null for what cannot be a host name. */
    private static String normalise(String name) {
        String n = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        try {
            boolean wildcard = n.startsWith("*.");
            String ascii = IDN.toASCII(wildcard ? n.substring(2) : n, IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT);
            return ascii.isEmpty() ? null : wildcard ? "*." + ascii : ascii;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
