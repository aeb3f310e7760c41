package dev.facteur.auth.dmarc;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What SPF and DKIM said about a message (DMARCbis §5.3.3), as this package needs it: results by
 * their RFC 8601 names, so that the SPF and DKIM verifiers need not be known here.
 *
 * @param spf  the SPF result, if SPF was checked
 * @param dkim one result per DKIM signature checked
 */
public record AuthResults(Optional<SpfAuth> spf, List<DkimAuth> dkim) {

    public AuthResults {
        dkim = List.copyOf(dkim);
    }

    public static AuthResults of(SpfAuth spf, DkimAuth... dkim) {
        return new AuthResults(Optional.of(spf), List.of(dkim));
    }

    /** SPF's scope (RFC 7489 Appendix C {@code SPFDomainScope}). */
    public enum SpfScope {
        /** The MAIL FROM identity (RFC 7208 §2.4). */
        MFROM,
        /** The HELO identity, which RFC 7208 §2.4 checks when MAIL FROM was empty ({@code <>}). */
        HELO;

        public String token() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * One SPF result. DMARC uses only the MAIL FROM identity (DMARCbis §4.4.2); for a null
     * reverse-path that identity is {@code postmaster@<HELO name>} (RFC 7208 §2.4), passed here as
     * {@code scope=HELO} with the HELO domain. A separate HELO check of a message that had a MAIL
     * FROM address must not be passed.
     *
     * @param domain the domain checked
     * @param scope  which identity it was
     * @param result {@code pass}, {@code fail}, {@code softfail}, {@code neutral}, {@code none},
     *               {@code temperror} or {@code permerror}; text after the first word is a comment
     */
    public record SpfAuth(String domain, SpfScope scope, String result) {
        public boolean passed() {
            return firstWord(result).equals("pass");
        }

        /** The result word alone, lowercased. */
        public String resultWord() {
            return firstWord(result);
        }
    }

    /**
     * One DKIM signature's result.
     *
     * @param domain   its {@code d=}
     * @param selector its {@code s=}
     * @param result   {@code pass}, {@code fail}, {@code neutral}, {@code policy}, {@code none},
     *                 {@code temperror} or {@code permerror}; text after the first word is a comment
     */
    public record DkimAuth(String domain, String selector, String result) {
        public boolean passed() {
            return firstWord(result).equals("pass");
        }

        public String resultWord() {
            return firstWord(result);
        }
    }

    static String firstWord(String result) {
        String r = result.strip();
        int end = 0;
        while (end < r.length() && Character.isLetterOrDigit(r.charAt(end))) end++;
        return r.substring(0, end).toLowerCase(Locale.ROOT);
    }
}
