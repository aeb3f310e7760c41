package dev.facteur.queue;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.message.QueueId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Who gets a delivery slot: per-destination limits, turns, one attempt per message at a time. */
class SchedulerTest {

    private final QueueId.Generator ids = new QueueId.Generator();

    private List<QueueId> add(Scheduler s, int n, String... destinations) {
        List<QueueId> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            QueueId id = ids.next();
            s.add(id, List.of(destinations), 0);
            out.add(id);
        }
        return out;
    }

    /** A delivery that ended without a transaction (no answer time for the destination's limit). */
    private static void done(Scheduler s, Scheduler.Job job) {
        s.answered(job, -1, 0);
        s.done(job);
    }

    /** Starts deliveries until none can start. */
    private static List<Scheduler.Job> drain(Scheduler s) {
        List<Scheduler.Job> out = new ArrayList<>();
        for (Scheduler.Job j; (j = s.next()) != null; ) out.add(j);
        return out;
    }

    @Test
    void messagesWaitingForAFullDestinationHoldNoSlot() { // the black hole that stopped every other domain
        var s = new Scheduler(20, 10);
        add(s, 300, "blackhole.example");
        List<QueueId> good = add(s, 3, "good.example");

        List<Scheduler.Job> started = drain(s);
        int limit = s.limit("blackhole.example");
        assertThat(limit).isEqualTo(ConcurrencyLimit.INITIAL);
        assertThat(started).filteredOn(j -> j.destination().equals("blackhole.example")).hasSize(limit);
        assertThat(started).filteredOn(j -> j.destination().equals("good.example")).extracting(Scheduler.Job::message)
                .containsExactlyElementsOf(good);
        assertThat(s.busy()).isEqualTo(limit + 3);
        assertThat(s.waiting("blackhole.example")).isEqualTo(300 - limit);

        List<QueueId> later = add(s, 2, "good.example");
        assertThat(drain(s)).extracting(Scheduler.Job::message).containsExactlyElementsOf(later);
    }

    @Test
    void freeSlotsGoToDestinationsInTurn() { // Postfix qmgr: round robin between destinations
        var s = new Scheduler(3, 10);
        add(s, 5, "a.example");
        add(s, 5, "b.example");
        add(s, 5, "c.example");
        List<Scheduler.Job> first = drain(s);
        assertThat(first).extracting(Scheduler.Job::destination).containsExactly("a.example", "b.example", "c.example");
        first.forEach(j -> done(s, j));
        assertThat(drain(s)).extracting(Scheduler.Job::destination).containsExactly("a.example", "b.example", "c.example");
    }

    @Test
    void theGlobalLimitHoldsWhateverTheDestinations() {
        var s = new Scheduler(4, 10);
        add(s, 10, "a.example");
        add(s, 10, "b.example");
        assertThat(drain(s)).hasSize(4);
        assertThat(s.next()).isNull();
    }

    @Test
    void aMessageIsUnderWayForOneDestinationAtATime() { // so its envelope's updates never race
        var s = new Scheduler(10, 10);
        QueueId both = ids.next();
        s.add(both, List.of("one.example", "two.example"), 0);
        QueueId other = add(s, 1, "two.example").getFirst();

        assertThat(s.next()).isEqualTo(new Scheduler.Job(both, "one.example", false));
        assertThat(s.next()).as("two.example goes on with the next message").isEqualTo(new Scheduler.Job(other, "two.example", true));
        assertThat(s.next()).isNull();
        done(s, new Scheduler.Job(both, "one.example", false));
        assertThat(s.next()).isEqualTo(new Scheduler.Job(both, "two.example", true));
    }

    @Test
    void aDestinationGetsMoreDeliveriesAtOnceWhileItsServersKeepTheirPaceAndFewerWhenTheyFallBehind() {
        var s = new Scheduler(100, 40);
        add(s, 5000, "steady.example");
        add(s, 5000, "swamped.example");
        long ms = 1_000_000;
        // steady.example answers in 1 ms however many deliveries it has; swamped.example takes 1 ms for each one under way
        for (int step = 0; step < 100; step++) {
            List<Scheduler.Job> started = drain(s);
            long swamped = s.busy("swamped.example") * ms;
            for (Scheduler.Job j : started) {
                s.answered(j, j.destination().equals("steady.example") ? ms : swamped, step * ms);
                s.done(j);
            }
        }
        assertThat(s.limit("steady.example")).isEqualTo(40);
        assertThat(s.limit("swamped.example")).isBetween(ConcurrencyLimit.INITIAL, (int) (ConcurrencyLimit.INITIAL * ConcurrencyLimit.TOLERANCE));
    }

    @Test
    void aDestinationsSlotIsFreeOnceItsServersHaveAnsweredWhileTheMessageIsStillUnderWay() { // its outcome is being recorded
        var s = new Scheduler(10, 1);
        QueueId both = ids.next();
        s.add(both, List.of("one.example", "two.example"), 0);
        QueueId next = add(s, 1, "one.example").getFirst();
        Scheduler.Job first = s.next();
        assertThat(s.next()).as("one.example is at its limit, and the other message waits only for it").isNull();

        s.answered(first, 1_000_000, 0);
        assertThat(s.next()).isEqualTo(new Scheduler.Job(next, "one.example", true));
        assertThat(s.isUnderWay(both)).isTrue();
        assertThat(s.busy()).isEqualTo(2);
        s.done(first);
        assertThat(s.busy()).isEqualTo(1);
        assertThat(s.next()).isEqualTo(new Scheduler.Job(both, "two.example", true));
    }

    @Test
    void aDeliveryThatFailedBeforeAnyAnswerFreesItsSlotsWhenDone() {
        var s = new Scheduler(10, 1);
        add(s, 2, "one.example");
        Scheduler.Job first = s.next();
        s.done(first);
        assertThat(s.next()).isNotNull();
        assertThat(s.busy("one.example")).isEqualTo(1);
    }

    @Test
    void aWaitingMessageCanBeTakenOutButNotOneUnderWay() {
        var s = new Scheduler(1, 1);
        List<QueueId> m = add(s, 2, "a.example");
        Scheduler.Job first = s.next();
        assertThat(s.remove(first.message())).isFalse();
        assertThat(s.remove(m.get(1))).isTrue();
        done(s, first);
        assertThat(s.next()).isNull();
        assertThat(s.isWaiting(m.get(1))).isFalse();
    }

    /**
     * Random arrivals, answers and completions, checked against the rules themselves: limits never
     * exceeded, a message never under way twice, every (message, destination) started exactly
     * once, and whenever nothing starts, nothing could have.
     */
    @Test
    void underRandomLoadTheLimitsHoldAndNothingThatCouldStartWaits() {
        Random random = new Random(42);
        for (int run = 0; run < 30; run++) {
            int maxParallel = 1 + random.nextInt(8);
            int perDestination = 1 + random.nextInt(4);
            var s = new Scheduler(maxParallel, perDestination);
            Map<QueueId, Set<String>> wanted = new HashMap<>();
            Map<QueueId, Set<String>> started = new HashMap<>();
            List<Scheduler.Job> underWay = new ArrayList<>();
            Set<Scheduler.Job> answered = new HashSet<>();
            for (int step = 0; step < 400; step++) {
                if (random.nextInt(3) == 0 || underWay.isEmpty()) {
                    QueueId id = ids.next();
                    Set<String> ds = new LinkedHashSet<>();
                    for (int k = 1 + random.nextInt(3); k > 0; k--) ds.add("d" + random.nextInt(5) + ".example");
                    s.add(id, ds, 0);
                    wanted.put(id, new HashSet<>(ds));
                    started.put(id, new HashSet<>());
                } else {
                    // the servers answer (the destination's slot frees), then the outcome is recorded (the message frees)
                    Scheduler.Job j = underWay.get(random.nextInt(underWay.size()));
                    if (answered.add(j)) {
                        s.answered(j, -1, 0);
                    } else {
                        underWay.remove(j);
                        answered.remove(j);
                        s.done(j);
                    }
                }
                for (Scheduler.Job j; (j = s.next()) != null; ) {
                    QueueId m = j.message();
                    assertThat(underWay).noneMatch(u -> u.message().equals(m));
                    assertThat(started.get(j.message()).add(j.destination())).isTrue();
                    assertThat(j.last()).isEqualTo(started.get(j.message()).equals(wanted.get(j.message())));
                    underWay.add(j);
                }
                assertThat(underWay).hasSizeLessThanOrEqualTo(maxParallel);
                Map<String, Integer> perDest = new HashMap<>();
                underWay.stream().filter(j -> !answered.contains(j)).forEach(j -> perDest.merge(j.destination(), 1, Integer::sum));
                assertThat(perDest.values()).allMatch(n -> n <= perDestination);
                if (underWay.size() < maxParallel) {
                    Set<QueueId> busyMessages = new HashSet<>();
                    underWay.forEach(j -> busyMessages.add(j.message()));
                    for (var e : wanted.entrySet()) {
                        if (busyMessages.contains(e.getKey())) continue;
                        for (String d : e.getValue()) {
                            boolean couldStart = !started.get(e.getKey()).contains(d) && perDest.getOrDefault(d, 0) < perDestination;
                            assertThat(couldStart).as("%s for %s could have started", e.getKey(), d).isFalse();
                        }
                    }
                }
            }
            while (!underWay.isEmpty()) {
                Scheduler.Job j0 = underWay.removeFirst();
                if (answered.remove(j0)) s.done(j0);
                else done(s, j0);
                for (Scheduler.Job j; (j = s.next()) != null; ) {
                    assertThat(started.get(j.message()).add(j.destination())).isTrue();
                    underWay.add(j);
                }
            }
            assertThat(started).isEqualTo(wanted);
        }
    }

    @Test
    void aPostponedMessageWaitsFirstInItsListWhileItsDestinationIsPausedAndTheOthersGoOn() { // traffic shaping
        var s = new Scheduler(10, 10);
        List<QueueId> slow = add(s, 2, "slow.example");
        List<QueueId> fast = add(s, 1, "fast.example");
        Scheduler.Job first = s.next(0);
        assertThat(first.message()).isEqualTo(slow.getFirst());
        s.postpone(first, 1_000);
        assertThat(s.isUnderWay(first.message())).isFalse();
        assertThat(s.busy()).isZero();
        assertThat(s.nextPauseEnd()).isEqualTo(1_000L);

        List<Scheduler.Job> during = new ArrayList<>();
        for (Scheduler.Job j; (j = s.next(999)) != null; ) during.add(j);
        assertThat(during).extracting(Scheduler.Job::message).containsExactly(fast.getFirst());

        Scheduler.Job again = s.next(1_000);
        assertThat(again.message()).isEqualTo(slow.getFirst()); // first in its list again, and its last destination
        assertThat(again.last()).isTrue();
        assertThat(s.next(1_000).message()).isEqualTo(slow.get(1));
    }

    @Test
    void aLaterPostponementOfAPausedDestinationNeverShortensItsPause() {
        var s = new Scheduler(10, 10);
        add(s, 2, "slow.example");
        Scheduler.Job a = s.next(0);
        Scheduler.Job b = s.next(0);
        s.postpone(a, 5_000);
        s.postpone(b, 2_000);
        assertThat(s.nextPauseEnd()).isEqualTo(5_000L);
        assertThat(s.next(4_999)).isNull();
        assertThat(s.next(5_000)).isNotNull();
    }
}
