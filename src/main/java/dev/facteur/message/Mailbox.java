package dev.facteur.message;

import java.util.Locale;

/**
 * RFC 5321 §4.1.2 Mailbox: {@code Local-part "@" ( Domain / address-literal )}.
 * The local part is kept exactly as received (it is case-sensitive per §2.4); the domain is not.
 * A mailbox without a domain exists only as the special recipient {@code <Postmaster>}.
 */
public record Mailbox(String localPart, String domain) {

    public static final int MAX_LOCAL_PART = 64;   // RFC 5321 §4.5.3.1.1
    public static final int MAX_DOMAIN = 255;      // RFC 5321 §4.5.3.1.2

    public Mailbox {
        if (localPart == null || localPart.isEmpty()) throw new IllegalArgumentException("empty local part");
    }

    /** The bare {@code Postmaster} recipient of RFC 5321 §4.1.1.3, with no domain. */
    public static Mailbox postmaster() {
        return new Mailbox("Postmaster", "");
    }

    public boolean hasDomain() {
        return !domain.isEmpty();
    }

    public boolean isPostmaster() {
        return localPart.equalsIgnoreCase("postmaster");
    }

    public boolean isAddressLiteral() {
        return domain.startsWith("[");
    }

    /** Domain lowercased for comparisons; literals are kept as they are. */
    public String domainKey() {
        return domain.toLowerCase(Locale.ROOT);
    }

    /** True when either part holds characters outside US-ASCII (RFC 6531 addresses). */
    public boolean isInternationalized() {
        return !isAscii(localPart) || !isAscii(domain);
    }

    static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) if (s.charAt(i) >= 0x80) return false;
        return true;
    }

    @Override
    public String toString() {
        return hasDomain() ? localPart + "@" + domain : localPart;
    }
}
