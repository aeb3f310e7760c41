package dev.facteur.bounce;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.events.Event;
import dev.facteur.events.EventType;
import dev.facteur.message.AddressSyntax;
import dev.facteur.message.Mailbox;
import dev.facteur.store.MemorySuppressionStore;
import dev.facteur.store.StoreUnavailable;
import dev.facteur.store.SuppressionStore.Reason;
import dev.facteur.testing.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** What the queue's deliveries say about an address feeds the suppression list, on the way to the events. */
class SuppressionFeedTest {

    private static final Mailbox BOB = AddressSyntax.tryParseMailbox("bob@example.org", true).orElseThrow();

    private final ManualClock clock = ManualClock.stopped();
    private final MemorySuppressionStore store = new MemorySuppressionStore();
    private final Suppressions suppressions = new Suppressions(store, SuppressionSettings.DEFAULT, clock);
    private final List<Event> passed = new CopyOnWriteArrayList<>();
    private final SuppressionFeed feed = new SuppressionFeed(suppressions, passed::add);

    private Event attempt(EventType type, String sender, String diagnostic, String status, String remoteMta) {
        return Event.of(type, clock.instant(), sender, "bob@example.org").withQueueId("Q1").withAttempt(1).withDiagnostic(diagnostic, status)
                .withRemoteMta(remoteMta);
    }

    @Test
    void aServersRefusalOfTheMailboxSuppressesItAndTheEventSaysHard() {
        feed.emit(attempt(EventType.BOUNCED, "app@news.example.com", "550 5.1.1 <bob@example.org>: User unknown", "5.1.1",
                "mx.example.org[192.0.2.25]:25"));

        assertThat(suppressions.check(BOB, "news.example.com")).hasValueSatisfying(e -> assertThat(e.reason()).isEqualTo(Reason.HARD_BOUNCE));
        assertThat(passed).singleElement().satisfies(e -> assertThat(e.bounceClass()).contains("hard"));
    }

    @Test
    void aRefusalOfTheMessageIsNotTheAddresss() {
        feed.emit(attempt(EventType.BOUNCED, "app@news.example.com", "554 5.7.1 Message rejected: spam", "5.7.1", "mx.example.org[192.0.2.25]:25"));
        feed.emit(attempt(EventType.BOUNCED, "app@news.example.com", "552 5.3.4 Message too big", "5.3.4", "mx.example.org[192.0.2.25]:25"));

        assertThat(suppressions.check(BOB, "news.example.com")).isEmpty();
        assertThat(passed).extracting(e -> e.bounceClass().orElseThrow()).containsExactly("policy", "too-large");
    }

    @Test
    void aRefusalOfOurOwnMakingSaysNothingAboutTheAddressButANonexistentDomainDoes() {
        feed.emit(attempt(EventType.BOUNCED, "app@news.example.com", "550 5.1.1 refused by the transport map", "5.1.1", null));
        assertThat(suppressions.check(BOB, "news.example.com")).as("no server said so").isEmpty();

        feed.emit(attempt(EventType.BOUNCED, "app@news.example.com", "550 5.1.2 Host or domain name not found", "5.1.2", null));
        assertThat(suppressions.check(BOB, "news.example.com")).isPresent();
    }

    @Test
    void anExpiredMessageCountsAsASoftBounce() {
        for (int i = 0; i < SuppressionSettings.DEFAULT.softBounceLimit(); i++) {
            feed.emit(Event.of(EventType.EXPIRED, clock.instant(), "app@news.example.com", "bob@example.org")
                    .withDiagnostic("451 4.2.2 Mailbox full", "4.4.7"));
            clock.advance(Duration.ofHours(1));
        }

        assertThat(suppressions.check(BOB, "news.example.com")).hasValueSatisfying(e -> assertThat(e.reason()).isEqualTo(Reason.SOFT_BOUNCES));
        assertThat(passed).allSatisfy(e -> assertThat(e.bounceClass()).contains("soft"));
    }

    @Test
    void deliveriesDeferralsAndOurOwnDsnsLeaveTheListAlone() {
        feed.emit(attempt(EventType.DELIVERED, "app@news.example.com", "250 2.0.0 Ok", "2.0.0", "mx.example.org[192.0.2.25]:25"));
        feed.emit(attempt(EventType.DEFERRED, "app@news.example.com", "450 4.2.2 Mailbox full", "4.2.2", "mx.example.org[192.0.2.25]:25"));
        feed.emit(attempt(EventType.BOUNCED, "", "550 5.1.1 User unknown", "5.1.1", "mx.example.org[192.0.2.25]:25"));

        assertThat(store.list(java.util.Optional.empty(), "", 10, Instant.now()).entries()).isEmpty();
        assertThat(passed).hasSize(3);
    }

    @Test
    void aListThatCannotBeReachedStillLetsTheEventThrough() {
        var down = new SuppressionFeed(new Suppressions(new MemorySuppressionStore() {
            @Override
            public synchronized void put(Entry entry) {
                throw new StoreUnavailable("redis is down", null);
            }
        }, SuppressionSettings.DEFAULT, clock), passed::add);

        down.emit(attempt(EventType.BOUNCED, "app@news.example.com", "550 5.1.1 User unknown", "5.1.1", "mx.example.org[192.0.2.25]:25"));

        assertThat(passed).hasSize(1);
    }
}
