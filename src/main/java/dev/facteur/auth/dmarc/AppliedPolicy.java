package dev.facteur.auth.dmarc;

/**
 * The policy that applies to a message (DMARCbis §4.10.1).
 *
 * @param policyDomain the DMARC Policy Domain: where the record was published
 * @param record       the record
 * @param tag          which of its tags applies
 * @param requested    that tag's policy
 * @param onFailure    what a failing message gets: {@code requested}, one level lower when the
 *                     Domain Owner is testing ({@link DmarcRecord#testing()})
 * @param method       how the record was discovered
 */
public record AppliedPolicy(String policyDomain, DmarcRecord record, Tag tag, Policy requested, Policy onFailure,
        OrgDomainMethod method) {

    /** Which tag's policy applies. */
    public enum Tag {
        /** The record is the Author Domain's own. */
        P,
        /** The record is an ancestor's and the Author Domain exists. */
        SP,
        /** The record is an ancestor's and the Author Domain does not exist (NXDOMAIN). */
        NP
    }

    static AppliedPolicy of(String policyDomain, DmarcRecord record, Tag tag, OrgDomainMethod method) {
        Policy requested = switch (tag) {
            case P -> record.p();
            case SP -> record.subdomainPolicy();
            case NP -> record.nonExistentPolicy();
        };
        return new AppliedPolicy(policyDomain, record, tag, requested,
                record.testing() ? requested.oneLevelLower() : requested, method);
    }
}
