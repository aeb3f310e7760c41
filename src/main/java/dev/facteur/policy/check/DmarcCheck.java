package dev.facteur.policy.check;

import dev.facteur.auth.arc.ArcResult;
import dev.facteur.auth.dmarc.AuthResults;
import dev.facteur.auth.dmarc.AuthorDomains;
import dev.facteur.auth.dmarc.DmarcEvaluator;
import dev.facteur.auth.dmarc.DmarcResult;
import dev.facteur.auth.dmarc.DmarcSettings;
import dev.facteur.auth.dmarc.ReportRecord;
import dev.facteur.message.HeaderSection;
import dev.facteur.message.Mailbox;
import dev.facteur.policy.Check;
import dev.facteur.policy.Facts;
import dev.facteur.policy.Stage;
import dev.facteur.policy.Verdict;
import dev.facteur.smtp.Reply;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * DMARC (RFC 9989) at the end of DATA: the {@code From:} domain's policy, applied to what the
 * {@code spf} and {@code dkim} checks found before it. A failure under {@code p=reject} is refused
 * ({@code 550 5.7.1}), under {@code quarantine} held in the queue or marked, as configured; the
 * operator may soften either ({@code on_reject}). Every evaluation is told to {@code record}, for
 * the aggregate reports.
 */
public final class DmarcCheck implements Check {

    /** What a failure asking for reject gets here. */
    public enum OnReject { REJECT, QUARANTINE, TAG }

    /** What a failure asking for quarantine (or a softened reject) gets here. */
    public enum Quarantine { HOLD, HEADER }

    /**
     * @param onReject   a failure under {@code p=reject}: refused, quarantined, or only noted
     * @param quarantine quarantine means held in the queue, or marked with {@code X-Spam: Yes}
     */
    public record Settings(OnReject onReject, Quarantine quarantine, DmarcSettings dmarc, List<String> trustedArcSealers) {
        public Settings {
            trustedArcSealers = trustedArcSealers.stream().map(d -> d.toLowerCase(java.util.Locale.ROOT)).toList();
        }

        public Settings(OnReject onReject, Quarantine quarantine, DmarcSettings dmarc) {
            this(onReject, quarantine, dmarc, List.of());
        }
    }

    /**
     * One evaluation, for the aggregate reports: a record of them is what the domain owner
     * learns (RFC 9990 §2.1): who sent as its domain, and whether it authenticated.
     */
    public record Evaluated(DmarcResult result, InetAddress client, Optional<String> envelopeFrom, AuthResults auth,
            Optional<ReportRecord.OverrideReason> override) {

        /** An evaluation whose policy was applied as the domain asked. */
        public Evaluated(DmarcResult result, InetAddress client, Optional<String> envelopeFrom, AuthResults auth) {
            this(result, client, envelopeFrom, auth, Optional.empty());
        }

        /** The report's record; null when no policy applied (nothing to report to anyone). */
        public ReportRecord reportRecord() {
            if (result.appliedPolicy().isEmpty()) return null;
            ReportRecord r = ReportRecord.of(result, client, envelopeFrom, Optional.empty(), auth);
            return override.map(o -> r.withOverride(dev.facteur.auth.dmarc.Policy.NONE, o)).orElse(r);
        }
    }

    static final int MAX_HEADER = 256 * 1024;

    private final DmarcEvaluator evaluator;
    private final Settings settings;
    private final Consumer<Evaluated> record;

    public DmarcCheck(DmarcEvaluator evaluator, Settings settings, Consumer<Evaluated> record) {
        this.evaluator = evaluator;
        this.settings = settings;
        this.record = record;
    }

    @Override
    public String name() {
        return "dmarc";
    }

    @Override
    public Set<Stage> stages() {
        return Set.of(Stage.DATA);
    }

    @Override
    public Verdict check(Stage stage, Facts facts) {
        List<String> domains = fromAddresses(facts).stream().filter(Mailbox::hasDomain).map(Mailbox::domainKey).toList();
        DmarcResult result = switch (AuthorDomains.of(domains, settings.dmarc())) {
            case AuthorDomains.NoDomain n -> null;
            case AuthorDomains.TooMany t -> {
                facts.authResult("dmarc=permerror (too many From domains) header.from=" + t.domains().getFirst());
                yield null;
            }
            case AuthorDomains.One o -> evaluator.evaluate(o.domain(), facts.authentication());
            case AuthorDomains.Several s -> evaluator.evaluateAll(s.domains(), facts.authentication());
        };
        if (result == null) {
            return domains.isEmpty() ? Verdict.DUNNO : new Verdict.Reject(new Reply(550, "5.7.1",
                    "Too many domains in From:, which DMARC cannot check"), "From: names " + domains.size() + " domains");
        }
        facts.authResult(result.methodResult());
        String forwarder = result instanceof DmarcResult.Fail ? trustedForwarder(facts.arc()) : null;
        if (!facts.dryRun()) {
            Optional<String> envelopeFrom = facts.sender() == null ? Optional.empty()
                    : facts.sender().mailbox().filter(Mailbox::hasDomain).map(Mailbox::domainKey);
            record.accept(new Evaluated(result, facts.client(), envelopeFrom, facts.authentication(), Optional.ofNullable(forwarder)
                    .map(f -> new ReportRecord.OverrideReason("trusted_forwarder", Optional.of("arc=pass, sealed by " + f)))));
        }
        if (forwarder != null && result.disposition() != dev.facteur.auth.dmarc.Policy.NONE)
            return new Verdict.AddHeader("X-Facteur-DMARC: " + result.disposition().token() + " not applied: forwarded by " + forwarder
                    + ", whose ARC seal passed and whose results said dmarc=pass", "trusted forwarder " + forwarder);
        if (!(result instanceof DmarcResult.Fail fail)) return Verdict.DUNNO;
        String domain = fail.policy().policyDomain();
        String why = result.methodResult();
        return switch (fail.disposition()) {
            case NONE -> Verdict.DUNNO;
            case REJECT -> switch (settings.onReject()) {
                case REJECT -> new Verdict.Reject(new Reply(550, "5.7.1", "Email from " + fail.authorDomain()
                        + " rejected per the DMARC policy of " + domain + ": neither SPF nor DKIM authenticates it"), why);
                case QUARANTINE -> quarantine(why);
                case TAG -> Verdict.DUNNO;
            };
            case QUARANTINE -> quarantine(why);
        };
    }

    /**
     * The sealer of the chain's newest set when the operator trusts it and it found DMARC passing
     * before it forwarded the message (RFC 8617 §7.2: a failure caused by forwarding); else null.
     */
    private String trustedForwarder(ArcResult arc) {
        if (!(arc instanceof ArcResult.Pass pass)) return null;
        ArcResult.Hop newest = pass.newest();
        String sealer = newest.sealer().toLowerCase(java.util.Locale.ROOT);
        if (!settings.trustedArcSealers().contains(sealer)) return null;
        return newest.results().toLowerCase(java.util.Locale.ROOT).matches("(?s).*\\bdmarc\\s*=\\s*pass\\b.*") ? sealer : null;
    }

    private Verdict quarantine(String why) {
        return settings.quarantine() == Quarantine.HOLD ? new Verdict.Hold(why) : new Verdict.AddHeader("X-Spam: Yes", why);
    }

    private static List<Mailbox> fromAddresses(Facts facts) {
        try (InputStream in = new BufferedInputStream(facts.content().open(), 8192)) {
            return HeaderSection.fromAddresses(HeaderSection.fields(HeaderSection.read(in, MAX_HEADER)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
