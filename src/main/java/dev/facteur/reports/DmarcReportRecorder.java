package dev.facteur.reports;

import dev.facteur.auth.dmarc.AppliedPolicy;
import dev.facteur.auth.dmarc.DmarcResult;
import dev.facteur.auth.dmarc.Policy;
import dev.facteur.auth.dmarc.ReportRecord;
import dev.facteur.auth.dmarc.ReportRecord.OverrideReason;
import dev.facteur.policy.check.DmarcCheck;
import dev.facteur.store.DmarcReportStore;
import dev.facteur.store.DmarcReportStore.Added;
import java.time.Clock;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts each DMARC evaluation in its Policy Domain's report ({@link DmarcReportStore}): what
 * {@link DmarcCheck} tells at the end of DATA, on the session's thread. It costs one store
 * operation, and never fails the session: reports are best effort, so a record the store cannot
 * take is dropped, and logged (at most once a minute, with how many went since).
 *
 * <p>Recorded: mail whose From domain had a policy (DMARC pass or fail) that asks for aggregate
 * reports by {@code mailto:} ({@code rua}); nothing else has anyone to report to. The disposition
 * is what the Domain Owner asked, unless {@code on_reject} softened a reject here: then what was
 * applied, with the reason {@code local_policy} (RFC 7489 §7.2.1, "reason").
 */
public final class DmarcReportRecorder implements Consumer<DmarcCheck.Evaluated> {

    private static final Logger log = LoggerFactory.getLogger("facteur.dmarc");

    private final DmarcReportStore store;
    private final DmarcReportSettings settings;
    private final DmarcCheck.OnReject onReject;
    private final Clock clock;
    private final Dropped dropped = new Dropped(log, "dmarc report", "record");

    public DmarcReportRecorder(DmarcReportStore store, DmarcReportSettings settings, DmarcCheck.OnReject onReject, Clock clock) {
        this.store = store;
        this.settings = settings;
        this.onReject = onReject;
        this.clock = clock;
    }

    @Override
    public void accept(DmarcCheck.Evaluated evaluated) {
        try {
            Optional<AppliedPolicy> policy = evaluated.result().appliedPolicy();
            if (policy.isEmpty() || policy.get().record().rua().stream().noneMatch(u -> u.isMailto())) return;
            // a trusted forwarder's override already says what was applied, and why
            ReportRecord record = evaluated.override().isPresent() ? evaluated.reportRecord()
                    : asApplied(evaluated.reportRecord(), evaluated.result());
            var period = ReportPeriods.of(policy.get().policyDomain(), clock.instant(), settings.interval());
            Added added = store.add(period, StoredPolicy.write(policy.get().record()), StoredRow.write(record), settings.maxRecords());
            if (added == Added.LEFT_OUT)
                log.debug("dmarc report for {}: more than {} distinct rows in the period; this message is counted as left out",
                        period.policyDomain(), settings.maxRecords());
        } catch (RuntimeException e) {
            dropped.add(e);
        }
    }

    /** The record with the disposition applied here when {@code on_reject} softened a reject. */
    private ReportRecord asApplied(ReportRecord record, DmarcResult result) {
        if (!(result instanceof DmarcResult.Fail) || result.disposition() != Policy.REJECT) return record;
        return switch (onReject) {
            case REJECT -> record;
            case QUARANTINE -> record.withOverride(Policy.QUARANTINE,
                    new OverrideReason(OverrideReason.LOCAL_POLICY, Optional.of("on_reject = quarantine")));
            case TAG -> record.withOverride(Policy.NONE, new OverrideReason(OverrideReason.LOCAL_POLICY, Optional.of("on_reject = tag")));
        };
    }
}
