package dev.facteur.auth.dmarc;

import dev.facteur.auth.dmarc.DmarcLookups.AtName;

/**
 * RFC 7489 §6.6.3 policy discovery with the §3.2 Organizational Domain from the Public Suffix
 * List: the Author Domain's record, else the Organizational Domain's, else (RFC 9091) the public
 * suffix's, taken only when it says {@code psd=y}, since RFC 9091's registry of PSDs that take
 * part became DMARCbis's {@code psd=y}. Several records at a name count as none, as in the walk.
 */
final class PslDiscovery implements Discovery {

    private final PublicSuffixList psl;
    private final DmarcLookups lookups;

    PslDiscovery(PublicSuffixList psl, DmarcLookups lookups) {
        this.psl = psl;
        this.lookups = lookups;
    }

    @Override
    public OrgDomainMethod method() {
        return OrgDomainMethod.PSL;
    }

    @Override
    public Answer organizationalDomain(String domain) {
        return psl.organizationalDomain(domain);
    }

    @Override
    public PolicyDiscovery policy(String authorDomain) {
        AtName own = lookups.at(authorDomain);
        if (!(own instanceof AtName.Nothing)) return DnsTreeWalk.discovered(own);
        String org = psl.registrableDomain(authorDomain).orElse(authorDomain);
        if (!org.equals(authorDomain)) {
            AtName atOrg = lookups.at(org);
            if (!(atOrg instanceof AtName.Nothing)) return DnsTreeWalk.discovered(atOrg);
        }
        String suffix = psl.publicSuffix(authorDomain).orElse(org);
        if (!suffix.equals(org) && !suffix.equals(authorDomain)) {
            AtName atSuffix = lookups.at(suffix);
            if (atSuffix instanceof AtName.TempFail) return DnsTreeWalk.discovered(atSuffix);
            if (atSuffix instanceof AtName.Record r && r.record().psd() == Psd.YES) return DnsTreeWalk.discovered(atSuffix);
        }
        return new PolicyDiscovery.NoPolicy("no DMARC record for " + authorDomain + " or its Organizational Domain " + org);
    }
}
