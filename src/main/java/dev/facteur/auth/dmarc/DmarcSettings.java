package dev.facteur.auth.dmarc;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The operator's DMARC choices.
 *
 * @param orgDomain         {@code org_domain}: how Organizational Domains are found (tree-walk by default; see {@link OrgDomainMethod})
 * @param pslFile           {@code public_suffix_list}: a copy of the list to use instead of the bundled one
 * @param pslPrivateSection whether the list's PRIVATE section counts (yes by default; see {@link PublicSuffixList})
 * @param maxAuthorDomains  how many distinct From domains one message may have and still be evaluated (see {@link AuthorDomains})
 * @param maxReportUris     how many {@code mailto:} URIs of a {@code rua} get a report (RFC 7489 §6.2 asks for at least two)
 */
public record DmarcSettings(OrgDomainMethod orgDomain, Optional<Path> pslFile, boolean pslPrivateSection,
        int maxAuthorDomains, int maxReportUris) {

    public static final DmarcSettings DEFAULTS = new DmarcSettings(OrgDomainMethod.TREE_WALK, Optional.empty(), true, 4, 2);

    public DmarcSettings {
        if (maxAuthorDomains < 1) throw new IllegalArgumentException("max_author_domains must be at least 1");
        if (maxReportUris < 2) throw new IllegalArgumentException("max_report_uris must be at least 2 (RFC 7489 §6.2)");
    }

    /** The list to use: the operator's file if configured, else the bundled copy. */
    public PublicSuffixList publicSuffixList() throws IOException {
        if (pslFile.isPresent()) return PublicSuffixList.load(pslFile.get(), pslPrivateSection);
        return PublicSuffixList.bundled(pslPrivateSection);
    }
}
