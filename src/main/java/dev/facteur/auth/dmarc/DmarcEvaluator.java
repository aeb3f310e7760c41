package dev.facteur.auth.dmarc;

import dev.facteur.auth.dmarc.AuthResults.DkimAuth;
import dev.facteur.auth.dmarc.AuthResults.SpfAuth;
import dev.facteur.auth.dmarc.DmarcResult.Alignment;
import dev.facteur.auth.dmarc.OrganizationalDomains.Answer;
import dev.facteur.dns.AddressAnswer;
import dev.facteur.dns.DnsResolver;
import dev.facteur.dns.MxAnswer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * DMARC for one message (DMARCbis §5.3.2 to §5.3.5): discover the policy, check the identifiers'
 * alignment, say pass or fail and what the Domain Owner asks. Thread-safe: each evaluation keeps
 * its own DNS answers.
 */
public final class DmarcEvaluator {

    private final DnsResolver dns;
    private final OrgDomainMethod method;
    private final PublicSuffixList psl;

    /** {@code psl} is needed only for {@link OrgDomainMethod#PSL}. */
    public DmarcEvaluator(DnsResolver dns, OrgDomainMethod method, PublicSuffixList psl) {
        if (method == OrgDomainMethod.PSL && psl == null) throw new IllegalArgumentException("the psl method needs a list");
        this.dns = dns;
        this.method = method;
        this.psl = psl;
    }

    /** Evaluates with the operator's settings; the list is read only when the method needs it. */
    public static DmarcEvaluator of(DnsResolver dns, DmarcSettings settings) throws IOException {
        PublicSuffixList psl = settings.orgDomain() == OrgDomainMethod.PSL ? settings.publicSuffixList() : null;
        return new DmarcEvaluator(dns, settings.orgDomain(), psl);
    }

    /** The verdict for a message whose RFC5322.From has exactly one domain. */
    public DmarcResult evaluate(String authorDomain, AuthResults auth) {
        Optional<String> normalized = Domains.normalize(authorDomain);
        if (normalized.isEmpty()) return new DmarcResult.PermError(authorDomain, "the From domain is not a domain name");
        String author = normalized.get();
        var lookups = new DmarcLookups(dns);
        Discovery discovery = method == OrgDomainMethod.PSL ? new PslDiscovery(psl, lookups) : new DnsTreeWalk(lookups);

        return switch (discovery.policy(author)) {
            case PolicyDiscovery.NoPolicy(String reason) -> new DmarcResult.None(author, reason);
            case PolicyDiscovery.TempFail(String reason) -> new DmarcResult.TempError(author, reason);
            case PolicyDiscovery.Unusable(String domain, String reason) -> new DmarcResult.PermError(author, reason);
            case PolicyDiscovery.Found(String policyDomain, DmarcRecord record) -> {
                Optional<AppliedPolicy.Tag> tag = tag(author, policyDomain, record);
                if (tag.isEmpty()) yield new DmarcResult.TempError(author, "cannot tell whether " + author + " exists");
                AppliedPolicy applied = AppliedPolicy.of(policyDomain, record, tag.get(), discovery.method());
                yield verdict(author, applied, auth, discovery);
            }
        };
    }

    /**
     * Evaluates each Author Domain of a message whose From field names several (see
     * {@link AuthorDomains}), and combines the verdicts: the strictest failure, then temperror,
     * permerror, none; pass only when every domain passes (DMARCbis §11.5).
     */
    public DmarcResult evaluateAll(List<String> authorDomains, AuthResults auth) {
        if (authorDomains.isEmpty()) throw new IllegalArgumentException("no Author Domain");
        List<DmarcResult> results = new ArrayList<>();
        for (String d : authorDomains) results.add(evaluate(d, auth));
        return AuthorDomains.strictest(results);
    }

    /**
     * §4.10.1: {@code p} for the Author Domain's own record; for an inherited one, {@code sp}
     * when the Author Domain exists and {@code np} when it does not. Existence is asked only when
     * the answer matters: when {@code np} is published and differs from {@code sp}.
     */
    private Optional<AppliedPolicy.Tag> tag(String author, String policyDomain, DmarcRecord record) {
        if (author.equals(policyDomain)) return Optional.of(AppliedPolicy.Tag.P);
        if (record.np().isEmpty() || record.nonExistentPolicy() == record.subdomainPolicy()) return Optional.of(AppliedPolicy.Tag.SP);
        return exists(author).map(e -> e ? AppliedPolicy.Tag.SP : AppliedPolicy.Tag.NP);
    }

    /**
     * DMARCbis §3.2.13 (RFC 8020) and RFC 9091 §2.7: a domain does not exist when DNS says NXDOMAIN
     * for its address records and its MX. Empty when DNS did not answer.
     */
    private Optional<Boolean> exists(String domain) {
        switch (dns.addresses(domain)) {
            case AddressAnswer.Found f -> { return Optional.of(true); }
            case AddressAnswer.NoRecords n -> { return Optional.of(true); }
            case AddressAnswer.TempFail t -> { return Optional.empty(); }
            case AddressAnswer.NxDomain n -> {}
        }
        return switch (dns.mx(domain)) {
            case MxAnswer.NxDomain n -> Optional.of(false);
            case MxAnswer.TempFail t -> Optional.empty();
            case MxAnswer.Records r -> Optional.of(true);
            case MxAnswer.NoRecords n -> Optional.of(true);
            case MxAnswer.NullMx n -> Optional.of(true);
        };
    }

    /** §5.3.4 and §5.3.5. A DNS failure matters only when nothing else aligned. */
    private DmarcResult verdict(String author, AppliedPolicy applied, AuthResults auth, Discovery discovery) {
        var checker = new Checker(author, discovery);
        IdentifierAlignment dkim = checker.dkim(auth.dkim(), applied.record().adkim());
        IdentifierAlignment spf = checker.spf(auth.spf(), applied.record().aspf());
        var alignment = new Alignment(dkim, spf);
        if (alignment.passes()) return new DmarcResult.Pass(author, applied, alignment);
        if (checker.tempFailure != null) return new DmarcResult.TempError(author, checker.tempFailure);
        return new DmarcResult.Fail(author, applied, alignment);
    }

    /** Alignment checks for one message, remembering the first DNS failure. */
    private static final class Checker {
        private final String author;
        private final OrganizationalDomains orgDomains;
        private String tempFailure;

        Checker(String author, OrganizationalDomains orgDomains) {
            this.author = author;
            this.orgDomains = orgDomains;
        }

        IdentifierAlignment dkim(List<DkimAuth> results, AlignmentMode mode) {
            String unaligned = null;
            for (DkimAuth r : results) {
                if (!r.passed()) continue;
                Optional<String> d = Domains.normalize(r.domain());
                if (d.isEmpty()) continue;
                if (aligned(d.get(), mode)) return IdentifierAlignment.pass(d.get());
                if (unaligned == null) unaligned = d.get();
            }
            return unaligned == null ? IdentifierAlignment.noPass() : IdentifierAlignment.notAligned(unaligned);
        }

        IdentifierAlignment spf(Optional<SpfAuth> result, AlignmentMode mode) {
            if (result.isEmpty() || !result.get().passed()) return IdentifierAlignment.noPass();
            Optional<String> d = Domains.normalize(result.get().domain());
            if (d.isEmpty()) return IdentifierAlignment.noPass();
            return aligned(d.get(), mode) ? IdentifierAlignment.pass(d.get()) : IdentifierAlignment.notAligned(d.get());
        }

        /**
         * Strict: the same name. Relaxed: the same Organizational Domain. The Author Domain's is
         * found first; an identifier that is not at or below it cannot share it, so its own walk
         * is skipped.
         */
        private boolean aligned(String identifier, AlignmentMode mode) {
            if (identifier.equals(author)) return true;
            if (mode == AlignmentMode.STRICT) return false;
            Optional<String> authorOrg = org(author);
            if (authorOrg.isEmpty() || !Domains.isAtOrBelow(identifier, authorOrg.get())) return false;
            return org(identifier).map(authorOrg.get()::equals).orElse(false);
        }

        private Optional<String> org(String domain) {
            return switch (orgDomains.organizationalDomain(domain)) {
                case Answer.Found(String org) -> Optional.of(org);
                case Answer.TempFail(String reason) -> {
                    if (tempFailure == null) tempFailure = reason;
                    yield Optional.empty();
                }
            };
        }
    }
}
