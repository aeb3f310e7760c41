package dev.facteur.auth.dmarc;

/**
 * How an Organizational Domain is found: RFC 7489 §3.2 from the Public Suffix List
 * ({@link PublicSuffixList}), or DMARCbis §4.10.2 by the DNS Tree Walk, which may have to wait for
 * DNS and can fail for now.
 */
public interface OrganizationalDomains {

    /** The Organizational Domain of a (normalized) domain. */
    Answer organizationalDomain(String domain);

    sealed interface Answer {
        record Found(String domain) implements Answer {}

        /** DNS did not answer; a later try may. */
        record TempFail(String reason) implements Answer {}
    }
}
