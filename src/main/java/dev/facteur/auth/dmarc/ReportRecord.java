package dev.facteur.auth.dmarc;

import dev.facteur.auth.dmarc.AuthResults.SpfScope;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What a receiver keeps about one message for aggregate reports: one {@code record} of RFC 7489
 * Appendix C without its count. Equal values make one row ({@link ReportRow}).
 *
 * @param sourceIp        the connecting client
 * @param policyEvaluated the disposition and the DKIM and SPF alignment verdicts
 * @param identifiers     the From domain and the envelope domains
 * @param dkim            each DKIM signature's result, uninterpreted with respect to DMARC
 * @param spf             the SPF result(s)
 */
public record ReportRecord(InetAddress sourceIp, PolicyEvaluated policyEvaluated, Identifiers identifiers,
        List<DkimResult> dkim, List<SpfResult> spf) {

    public ReportRecord {
        dkim = List.copyOf(dkim);
        spf = List.copyOf(spf);
    }

    /**
     * @param disposition what was done (which may differ from the policy: then say why in {@code reasons})
     * @param dkimAligned whether an aligned DKIM identifier passed
     * @param spfAligned  whether an aligned SPF identifier passed
     */
    public record PolicyEvaluated(Policy disposition, boolean dkimAligned, boolean spfAligned, List<OverrideReason> reasons) {
        public PolicyEvaluated {
            reasons = List.copyOf(reasons);
        }
    }

    /**
     * Why the disposition differs from the policy. {@code type} is one of RFC 7489's
     * {@code forwarded}, {@code sampled_out}, {@code trusted_forwarder}, {@code mailing_list},
     * {@code local_policy}, {@code other}, or RFC 9990's {@code policy_test_mode}.
     */
    public record OverrideReason(String type, Optional<String> comment) {
        public static final String POLICY_TEST_MODE = "policy_test_mode";
        public static final String LOCAL_POLICY = "local_policy";
    }

    /**
     * @param headerFrom   the RFC5322.From domain
     * @param envelopeFrom the RFC5321.MailFrom domain; present but empty for a null reverse-path
     * @param envelopeTo   the RFC5321.RcptTo domain
     */
    public record Identifiers(String headerFrom, Optional<String> envelopeFrom, Optional<String> envelopeTo) {}

    public record DkimResult(String domain, Optional<String> selector, String result, Optional<String> humanResult) {}

    public record SpfResult(String domain, Optional<SpfScope> scope, String result, Optional<String> humanResult) {}

    /**
     * The record for a message DMARC passed or failed. The disposition is what the Domain Owner
     * asked; when testing ({@code t=y}) lowered it, the reason says {@code policy_test_mode}.
     * Mail without a policy (none, temperror, permerror) has no Policy Domain to report to.
     */
    public static ReportRecord of(DmarcResult evaluated, InetAddress sourceIp, Optional<String> envelopeFrom,
            Optional<String> envelopeTo, AuthResults auth) {
        AppliedPolicy policy = evaluated.appliedPolicy()
                .orElseThrow(() -> new IllegalArgumentException("only pass and fail are reported, not " + evaluated.resultName()));
        DmarcResult.Alignment alignment = switch (evaluated) {
            case DmarcResult.Pass p -> p.alignment();
            case DmarcResult.Fail f -> f.alignment();
            default -> throw new AssertionError("has a policy");
        };
        List<OverrideReason> reasons = evaluated instanceof DmarcResult.Fail && policy.onFailure() != policy.requested()
                ? List.of(new OverrideReason(OverrideReason.POLICY_TEST_MODE, Optional.of("t=y: " + policy.requested().token() + " lowered")))
                : List.of();
        var evaluatedPolicy = new PolicyEvaluated(evaluated.disposition(), alignment.dkim().aligned(), alignment.spf().aligned(), reasons);
        var identifiers = new Identifiers(evaluated.authorDomain(), envelopeFrom, envelopeTo);
        List<DkimResult> dkim = auth.dkim().stream()
                .map(d -> new DkimResult(d.domain(), Optional.of(d.selector()), d.resultWord(), comment(d.result())))
                .toList();
        List<SpfResult> spf = auth.spf().stream()
                .map(s -> new SpfResult(s.domain(), Optional.of(s.scope()), s.resultWord(), comment(s.result())))
                .toList();
        return new ReportRecord(sourceIp, evaluatedPolicy, identifiers, dkim, spf);
    }

    /** The same message, handled otherwise than asked, and why (RFC 7489 §7.2.1 "reason"). */
    public ReportRecord withOverride(Policy applied, OverrideReason reason) {
        var reasons = new ArrayList<>(policyEvaluated.reasons());
        reasons.add(reason);
        return new ReportRecord(sourceIp, new PolicyEvaluated(applied, policyEvaluated.dkimAligned(), policyEvaluated.spfAligned(), reasons),
                identifiers, dkim, spf);
    }

    /** "fail (signature expired)": the words after the result are for humans. */
    private static Optional<String> comment(String result) {
        String r = result.strip();
        String word = AuthResults.firstWord(r);
        String rest = r.substring(Math.min(word.length(), r.length())).strip();
        if (rest.startsWith("(") && rest.endsWith(")")) rest = rest.substring(1, rest.length() - 1).strip();
        return rest.isEmpty() ? Optional.empty() : Optional.of(rest);
    }
}
