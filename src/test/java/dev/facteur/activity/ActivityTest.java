package dev.facteur.activity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.facteur.events.Event;
import dev.facteur.events.EventType;
import dev.facteur.history.HistoryEvent;
import dev.facteur.message.QueueId;
import dev.facteur.testing.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The dashboard's activity: five-minute buckets over a day, fed by the queue's events and the
 * spool's arrivals, and the destinations failing most; all in a memory that does not grow.
 */
class ActivityTest {

    /** 10:02:30, inside the bucket that starts at 10:00. */
    private final ManualClock clock = ManualClock.at(Instant.parse("2026-12-02T10:02:30Z"));
    private final Activity activity = new Activity(clock);

    private static Bucket newest(Report r) {
        return r.buckets().getLast();
    }

    @Test
    void anAcceptedMessageAndEachOutcomeAreCountedInTheBucketOfTheirFiveMinutes() {
        activity.accepted();
        activity.accepted();
        activity.outcome(Outcome.DELIVERED, "example.org", null);
        activity.outcome(Outcome.DEFERRED, "example.net", "451 4.7.1 try later");
        activity.outcome(Outcome.BOUNCED, "example.net", "550 5.1.1 no such user");
        activity.outcome(Outcome.EXPIRED, "example.com", "421 too busy");

        Bucket b = newest(activity.last(1));
        assertThat(b).isEqualTo(new Bucket(Instant.parse("2026-12-02T10:00:00Z"), 2, 1, 1, 1, 1));
    }

    @Test
    void theWindowListsEveryBucketOldestFirstEmptyOnesIncluded() {
        activity.accepted();
        clock.advance(Duration.ofMinutes(20)); // 10:22:30
        activity.accepted();

        Report r = activity.last(1);
        assertThat(r.bucket()).isEqualTo(Duration.ofMinutes(5));
        assertThat(r.buckets()).hasSize(12);
        assertThat(r.buckets().getFirst().start()).isEqualTo(Instant.parse("2026-12-02T09:25:00Z"));
        assertThat(newest(r).start()).isEqualTo(Instant.parse("2026-12-02T10:20:00Z"));
        assertThat(r.buckets()).extracting(Bucket::accepted).containsExactly(0L, 0L, 0L, 0L, 0L, 0L, 0L, 1L, 0L, 0L, 0L, 1L);
        assertThat(activity.last(24).buckets()).hasSize(288);
    }

    @Test
    void whatHappenedBeforeTheWindowIsLeftOut() {
        activity.accepted();
        clock.advance(Duration.ofHours(2));

        assertThat(activity.last(1).buckets()).allSatisfy(b -> assertThat(b.accepted()).isZero());
        assertThat(activity.last(6).buckets()).extracting(Bucket::accepted).contains(1L);
    }

    @Test
    void aDayLaterTheSameSlotStartsAgainFromZero() {
        activity.accepted();
        activity.accepted();
        clock.advance(Duration.ofHours(24)); // the ring has come round to the same slot
        activity.accepted();

        Report r = activity.last(24);
        assertThat(newest(r).accepted()).isEqualTo(1);
        assertThat(r.buckets()).extracting(Bucket::accepted).containsOnly(0L, 1L);
    }

    @Test
    void failingDestinationsAreRankedByFailuresWithTheirLastReply() {
        activity.outcome(Outcome.DEFERRED, "slow.example", "451 4.7.1 greylisted");
        activity.outcome(Outcome.DEFERRED, "busy.example", "421 4.3.2 busy");
        clock.advance(Duration.ofMinutes(1));
        activity.outcome(Outcome.BOUNCED, "busy.example", "550 5.1.1 no such user");
        activity.outcome(Outcome.DELIVERED, "fine.example", null);
        activity.outcome(Outcome.DELIVERED, "busy.example", null);

        assertThat(activity.last(1).failing()).containsExactly(
                new FailingDestination("busy.example", 2, "550 5.1.1 no such user", Instant.parse("2026-12-02T10:03:30Z")),
                new FailingDestination("slow.example", 1, "451 4.7.1 greylisted", Instant.parse("2026-12-02T10:02:30Z")));
    }

    @Test
    void aFailureWithoutAReplyKeepsTheLastReplyThereWas() {
        activity.outcome(Outcome.DEFERRED, "slow.example", "451 4.7.1 greylisted");
        activity.outcome(Outcome.DEFERRED, "slow.example", null);

        assertThat(activity.last(1).failing().getFirst().lastReply()).isEqualTo("451 4.7.1 greylisted");
    }

    @Test
    void aDomainIsOneDestinationWhateverItsCase() { // RFC 5321 §2.4: domain names are case-insensitive
        activity.outcome(Outcome.DEFERRED, "Example.ORG", "451 later");
        activity.outcome(Outcome.DEFERRED, "example.org", "451 later");

        assertThat(activity.last(1).failing()).extracting(FailingDestination::domain, FailingDestination::failures)
                .containsExactly(tuple("example.org", 2L));
    }

    @Test
    void failuresAreCountedByTheHourWithinTheWindowAskedFor() {
        activity.outcome(Outcome.DEFERRED, "old.example", "451 later");
        clock.advance(Duration.ofHours(3));
        activity.outcome(Outcome.DEFERRED, "old.example", "451 later");
        activity.outcome(Outcome.DEFERRED, "new.example", "451 later");

        assertThat(activity.last(1).failing()).extracting(FailingDestination::failures).containsExactly(1L, 1L);
        assertThat(activity.last(6).failing()).extracting(FailingDestination::domain, FailingDestination::failures)
                .containsExactly(tuple("old.example", 2L), tuple("new.example", 1L));
        clock.advance(Duration.ofHours(25));
        assertThat(activity.last(24).failing()).as("a day later").isEmpty();
    }

    @Test
    void onlyTheTopTwentyFailingDestinationsAreReported() {
        for (int i = 0; i < 30; i++) activity.outcome(Outcome.DEFERRED, "d" + i + ".example", "451 later");

        assertThat(activity.last(1).failing()).hasSize(Activity.TOP_FAILING);
    }

    @Test
    void aFloodOfDistinctFailingDomainsKeepsTheMemoryBoundedAndTheDestinationThatFailsMost() {
        var small = new Activity(clock, 100);
        for (int i = 0; i < 5; i++) small.outcome(Outcome.DEFERRED, "big.example", "421 4.7.0 too many connections");
        for (int i = 0; i < 100_000; i++) small.outcome(Outcome.BOUNCED, "spam" + i + ".example", "550 no such domain");

        assertThat(small.failingKept()).as("a tenth is forgotten at a time").isBetween(90, 100);
        assertThat(small.last(1).failing().getFirst()).extracting(FailingDestination::domain, FailingDestination::failures)
                .containsExactly("big.example", 5L);
        assertThat(small.last(1).buckets().getLast().bounced()).as("the counts are exact all the same").isEqualTo(100_000);
    }

    @Test
    void aFullTableForgetsDestinationsQuietForADayBeforeAnyOther() {
        var small = new Activity(clock, 2);
        small.outcome(Outcome.DEFERRED, "quiet.example", "451 later");
        small.outcome(Outcome.DEFERRED, "quiet.example", "451 later");
        clock.advance(Duration.ofHours(25));
        small.outcome(Outcome.DEFERRED, "a.example", "451 later");
        small.outcome(Outcome.DEFERRED, "b.example", "451 later");

        assertThat(small.last(24).failing()).extracting(FailingDestination::domain).containsExactly("a.example", "b.example");
    }

    @Test
    void aLongReplyIsCut() {
        activity.outcome(Outcome.BOUNCED, "example.org", "550 " + "x".repeat(10_000));

        assertThat(activity.last(1).failing().getFirst().lastReply()).hasSize(FailingDestinations.MAX_REPLY).startsWith("550 x");
    }

    @Test
    void theQueuesEventsAreHeardOnTheirWayAndPassedOnWhole() {
        List<Event> passed = new ArrayList<>();
        var sink = activity.hearing(passed::add);
        Instant t = clock.instant();
        var deferred = Event.of(EventType.DEFERRED, t, "a@sender.example", "bob@Slow.Example").withDiagnostic("451 4.7.1 later", "4.7.1");
        var delivered = Event.of(EventType.DELIVERED, t, "a@sender.example", "carol@fine.example");
        var suppressed = Event.of(EventType.SUPPRESSED, t, "a@sender.example", "dave@gone.example");
        sink.emit(deferred);
        sink.emit(delivered);
        sink.emit(suppressed);

        assertThat(passed).containsExactly(deferred, delivered, suppressed);
        Report r = activity.last(1);
        assertThat(newest(r)).extracting(Bucket::delivered, Bucket::deferred, Bucket::bounced, Bucket::expired).containsExactly(1L, 1L, 0L, 0L);
        assertThat(r.failing()).containsExactly(new FailingDestination("slow.example", 1, "451 4.7.1 later", t));
    }

    @Test
    void eachMessageReceivedIsCountedAsAcceptedAndOtherHistoryIsNot() {
        List<HistoryEvent> passed = new ArrayList<>();
        var sink = activity.countingArrivals(passed::add);
        QueueId id = new QueueId.Generator().next();
        var received = new HistoryEvent.Received(clock.instant(), id, "<m@x>", "a@sender.example", List.of("b@example.org"), 100,
                "192.0.2.1", "client.example", "client.example", "ESMTP", "", "");
        var removed = new HistoryEvent.Removed(clock.instant(), id, "delivered");
        sink.record(received);
        sink.record(removed);

        assertThat(passed).containsExactly(received, removed);
        assertThat(newest(activity.last(1)).accepted()).isEqualTo(1);
    }

    @Test
    void aWindowIsOneHourToADay() {
        assertThatThrownBy(() -> activity.last(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> activity.last(25)).isInstanceOf(IllegalArgumentException.class);
    }
    @Test
    void theHistoryOfTheLastDayIsCountedAgainAfterARestart() {
        QueueId id = QueueId.parse("1M8TZ25410000");
        Instant earlier = Instant.parse("2026-12-02T08:01:00Z");
        activity.recall(new HistoryEvent.Received(earlier, id, "<m@x>", "a@sender.example", List.of("b@example.org"), 100,
                "192.0.2.1", "client.example", "client.example", "ESMTP", "", ""));
        activity.recall(new HistoryEvent.Attempt(earlier.plusSeconds(5), id, "b@example.org", 1, HistoryEvent.Result.DEFERRED,
                "mx.example.org[192.0.2.25]:25", "", "451 4.7.1 try later"));
        activity.recall(new HistoryEvent.Attempt(earlier.plusSeconds(9), id, "c@example.org", 1, HistoryEvent.Result.DELIVERED,
                "mx.example.org[192.0.2.25]:25", "", "250 ok"));
        activity.recall(new HistoryEvent.GaveUp(earlier.plusSeconds(20), id, "d@gone.example", "too old"));
        activity.recall(new HistoryEvent.Removed(earlier.plusSeconds(30), id, "delivered"));

        Report r = activity.last(3);
        Bucket at8 = r.buckets().stream().filter(b -> b.start().equals(Instant.parse("2026-12-02T08:00:00Z"))).findFirst().orElseThrow();
        assertThat(at8).isEqualTo(new Bucket(at8.start(), 1, 1, 1, 0, 1));
        assertThat(r.failing()).extracting(FailingDestination::domain, FailingDestination::failures, FailingDestination::lastReply)
                .containsExactly(tuple("example.org", 1L, "451 4.7.1 try later"), tuple("gone.example", 1L, "too old"));
    }

    @Test
    void recalledHistoryOlderThanADayDoesNotWipeWhatTheSlotCountsNow() {
        activity.accepted();
        activity.outcome(Outcome.DEFERRED, "example.org", "451 now");
        QueueId id = QueueId.parse("1M8TZ25410000");
        Instant dayAgo = clock.instant().minus(Duration.ofHours(24)); // the same slot, a day before
        activity.recall(new HistoryEvent.Received(dayAgo, id, "<m@x>", "a@sender.example", List.of("b@example.org"), 100,
                "192.0.2.1", "", "", "ESMTP", "", ""));
        activity.recall(new HistoryEvent.Attempt(dayAgo, id, "b@example.org", 1, HistoryEvent.Result.BOUNCED, "", "", "550 a day ago"));
        activity.recall(new HistoryEvent.Attempt(clock.instant().minus(Duration.ofMinutes(1)), id, "b@example.org", 1,
                HistoryEvent.Result.DEFERRED, "", "", "451 a minute ago"));

        assertThat(newest(activity.last(1))).isEqualTo(new Bucket(Instant.parse("2026-12-02T10:00:00Z"), 1, 0, 2, 0, 0));
        assertThat(activity.last(24).failing()).singleElement()
                .satisfies(f -> assertThat(f.lastReply()).as("the reply heard live is newer than the one recalled").isEqualTo("451 now"));
    }
}
