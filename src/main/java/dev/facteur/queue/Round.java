package dev.facteur.queue;

import dev.facteur.delivery.Attempt;
import dev.facteur.delivery.DeliveryAgent;
import dev.facteur.delivery.Outcome;
import dev.facteur.dsn.DsnAction;
import dev.facteur.dsn.DsnReport;
import dev.facteur.message.Envelope;
import dev.facteur.message.Notify;
import dev.facteur.message.Recipient;
import dev.facteur.message.Schedule;
import dev.facteur.spool.StoredMessage;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * One pass of a message over the destinations of its pending recipients, one destination at a
 * time, and what each step leaves for the spool. Deliveries are recorded after every step, so a
 * crash cannot deliver them twice; failures are told to the sender once, at the end of the round,
 * in one DSN, so until then the spool still shows them pending (a crash means one more try, never
 * a lost DSN). The end also decides expiry, holds, the delay warning and the next attempt. No
 * I/O: the queue manager records what this computes.
 */
final class Round {

    private final Envelope before;
    private final long size;
    private final Map<String, List<Integer>> parts;
    private Envelope envelope;
    /** Recipients failed in this round: reported, and recorded as failed, at its end. */
    private final Set<Integer> failed = new TreeSet<>();
    /** Recipients the transport map keeps for an operator. */
    private final Set<Integer> held = new HashSet<>();
    /** Success notices not yet recorded: they go with the deliveries they report. */
    private final List<DsnReport> owed = new ArrayList<>();
    private boolean attempted;
    /** Recipients this round failed because the message outlived its lifetime. */
    private final List<Recipient> expired = new ArrayList<>();
    /** Whether a delivery awaits its record (a crash now would repeat it). */
    private boolean unrecordedDelivery;

    /** @param parts the recipients (indexes) of each destination, in the order they are tried */
    Round(StoredMessage message, Map<String, List<Integer>> parts) {
        this.before = message.envelope();
        this.envelope = message.envelope();
        this.size = message.size();
        this.parts = new LinkedHashMap<>(parts);
    }

    Envelope envelope() {
        return envelope;
    }

    long size() {
        return size;
    }

    Set<String> destinations() {
        return parts.keySet();
    }

    List<Integer> recipients(String destination) {
        return parts.get(destination);
    }

    /** Whether any destination has been tried (and so the round must end with a record). */
    boolean attempted() {
        return attempted;
    }

    /** Takes in the outcomes of one attempt. */
    void apply(List<Attempt> attempts, Instant now) {
        attempted = true;
        List<Recipient> rs = new ArrayList<>(envelope.recipients());
        List<Recipient> relayed = new ArrayList<>();
        List<Recipient> delivered = new ArrayList<>();
        for (Attempt a : attempts) {
            int i = a.recipientIndex();
            Recipient r = rs.get(i);
            Recipient next = r.after(switch (a.outcome()) {
                case Outcome.Delivered d -> Recipient.State.DELIVERED;
                case Outcome.Failed f -> Recipient.State.FAILED;
                case Outcome.Deferred d -> Recipient.State.PENDING;
                case Outcome.Held h -> Recipient.State.PENDING;
                case Outcome.Postponed p -> Recipient.State.PENDING;
            }, DeliveryAgent.diagnostic(a.outcome().reply()), a.remoteMta());
            rs.set(i, next);
            if (next.state() == Recipient.State.DELIVERED) unrecordedDelivery = true;
            if (next.state() == Recipient.State.FAILED) failed.add(i);
            if (a.outcome() instanceof Outcome.Held) held.add(i);
            if (next.state() == Recipient.State.DELIVERED && r.dsnNotify().wants(Notify.Condition.SUCCESS) && !a.remoteDsn())
                (a.finalDelivery() ? delivered : relayed).add(next);
        }
        envelope = envelope.withRecipients(rs);
        if (tellsSender()) {
            if (!relayed.isEmpty()) owed.add(new DsnReport(envelope, DsnAction.RELAYED, relayed, now, null));
            if (!delivered.isEmpty()) owed.add(new DsnReport(envelope, DsnAction.DELIVERED, delivered, now, null));
        }
    }

    /**
     * The state to record while other destinations are still to come: deliveries and their
     * notices now; this round's failures still pending (they are reported at the end). Null when
     * nothing needs recording yet (only deferrals, whose reasons wait for the end).
     */
    NewState interim(Instant now) {
        List<DsnReport> dsns = takeNotices(now);
        if (!unrecordedDelivery && dsns.isEmpty()) return null;
        unrecordedDelivery = false;
        List<Recipient> rs = new ArrayList<>(envelope.recipients());
        for (int i : failed) rs.set(i, before.recipients().get(i));
        return new NewState(envelope.withRecipients(rs), false, dsns, null);
    }

    /** The state to record at the end of the round: every DSN it owes, and what comes next. */
    NewState end(Instant now, RetryPolicy policy) {
        Instant expiry = envelope.arrival().plus(policy.lifetime());
        boolean expired = !now.isBefore(expiry);
        if (expired) expire(policy.lifetime());
        List<DsnReport> dsns = new ArrayList<>();
        Schedule schedule = envelope.schedule();
        if (tellsSender()) {
            List<Recipient> tell = failed.stream().map(envelope.recipients()::get)
                    .filter(r -> r.dsnNotify().wants(Notify.Condition.FAILURE)).toList();
            if (!tell.isEmpty()) dsns.add(new DsnReport(envelope, DsnAction.FAILED, tell, now, null));
            dsns.addAll(takeNotices(now));
            List<Recipient> late = envelope.recipients().stream().filter(Recipient::isPending)
                    .filter(r -> r.dsnNotify().wants(Notify.Condition.DELAY)).toList();
            if (!expired && !schedule.delayNotified() && !policy.delayWarning().isZero()
                    && !now.isBefore(envelope.arrival().plus(policy.delayWarning())) && !late.isEmpty()) {
                dsns.add(new DsnReport(envelope, DsnAction.DELAYED, late, now, expiry));
                schedule = schedule.withDelayNotified();
            }
        }
        // RFC 3464 §2: never answer a DSN with a DSN; a bounce that fails waits, held, for the postmaster.
        boolean forPostmaster = !tellsSender() && !failed.isEmpty();
        if (forPostmaster || heldByTransportMap()) return new NewState(envelope.withSchedule(schedule.withHeld(true)), false, dsns, null);
        if (envelope.isComplete()) return new NewState(envelope, true, dsns, null);
        Instant next = now.plus(policy.delayAfter(schedule.attempts() + 1));
        if (next.isAfter(expiry)) next = expiry;
        return new NewState(envelope.withSchedule(schedule.retryAt(next)), false, dsns, next);
    }

    /** The recipients {@link #end} failed because the message outlived its lifetime. */
    List<Recipient> expired() {
        return List.copyOf(expired);
    }

    /** Fails every recipient still pending, as the reply says (an operator's bounce). */
    void failPending(String diagnostic) {
        attempted = true;
        List<Recipient> rs = new ArrayList<>(envelope.recipients());
        for (int i = 0; i < rs.size(); i++) {
            if (!rs.get(i).isPending()) continue;
            rs.set(i, rs.get(i).after(Recipient.State.FAILED, diagnostic, null));
            failed.add(i);
        }
        envelope = envelope.withRecipients(rs);
    }

    /** RFC 5321 §4.5.4.1: past the lifetime, what is still pending fails, keeping the remote's last word. */
    private void expire(Duration lifetime) {
        List<Recipient> rs = new ArrayList<>(envelope.recipients());
        for (int i = 0; i < rs.size(); i++) {
            Recipient r = rs.get(i);
            if (!r.isPending()) continue;
            String last = r.diagnostic() == null ? "" : "; last error: " + r.diagnostic();
            rs.set(i, r.after(Recipient.State.FAILED, "451 4.4.7 Message expired after " + QueueManager.human(lifetime)
                    + " in the queue" + last, r.remoteMta()));
            expired.add(rs.get(i));
            failed.add(i);
        }
        envelope = envelope.withRecipients(rs);
    }

    /**
     * Success notices owed so far, and the one for an alias expanded on receipt (RFC 3461
     * §5.2.7.3), which is reported once: SUCCESS is taken off it in the envelope recorded with it.
     */
    private List<DsnReport> takeNotices(Instant now) {
        List<DsnReport> dsns = new ArrayList<>();
        if (!tellsSender()) return dsns;
        List<Recipient> rs = new ArrayList<>(envelope.recipients());
        List<Recipient> expanded = new ArrayList<>();
        for (int i = 0; i < rs.size(); i++) {
            Recipient r = rs.get(i);
            if (r.state() != Recipient.State.EXPANDED || !r.dsnNotify().wants(Notify.Condition.SUCCESS)) continue;
            expanded.add(r);
            rs.set(i, new Recipient(r.address(), r.dsnNotify().withoutSuccess(), r.orcpt(), r.state(), r.diagnostic(), r.remoteMta()));
        }
        if (!expanded.isEmpty()) {
            dsns.add(new DsnReport(envelope, DsnAction.EXPANDED, expanded, now, null));
            envelope = envelope.withRecipients(rs);
        }
        dsns.addAll(owed);
        owed.clear();
        return dsns;
    }

    /** On hold once every recipient still pending is one the transport map holds; until then the others go on. */
    private boolean heldByTransportMap() {
        if (held.isEmpty() || envelope.isComplete()) return false;
        List<Recipient> rs = envelope.recipients();
        for (int i = 0; i < rs.size(); i++) {
            if (rs.get(i).isPending() && !held.contains(i)) return false;
        }
        return true;
    }

    private boolean tellsSender() {
        return !before.sender().isNull();
    }
}
