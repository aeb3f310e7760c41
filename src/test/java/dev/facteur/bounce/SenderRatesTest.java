package dev.facteur.bounce;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.events.Event;
import dev.facteur.events.EventType;
import dev.facteur.store.MemoryRateStore;
import dev.facteur.testing.ManualClock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Per sender domain: mail the receivers took, hard bounces and complaints, over a day and a week. */
class SenderRatesTest {

    private final ManualClock clock = ManualClock.stopped();
    private final List<Event> passed = new CopyOnWriteArrayList<>();
    private final SenderRates rates = new SenderRates(new MemoryRateStore(), passed::add, clock);

    private Event event(EventType type, String sender, String remoteMta) {
        return Event.of(type, clock.instant(), sender, "someone@example.org").withRemoteMta(remoteMta);
    }

    @Test
    void deliveriesHardBouncesAndComplaintsMakeTheRates() {
        for (int i = 0; i < 200; i++) rates.emit(event(EventType.DELIVERED, "app@news.example.com", "mx.example.org[192.0.2.25]:25"));
        rates.emit(event(EventType.BOUNCED, "app@news.example.com", "mx.example.org").withBounceClass("hard"));
        rates.emit(event(EventType.BOUNCED, "app@news.example.com", "mx.example.org").withBounceClass("hard"));
        rates.emit(event(EventType.BOUNCED, "app@news.example.com", "mx.example.org").withBounceClass("policy"));
        rates.emit(Event.of(EventType.COMPLAINED, clock.instant(), "", "someone@example.org").withSenderDomain("news.example.com"));

        SenderRates.Window day = rates.of("News.Example.com").windows().getFirst();
        assertThat(day.length()).isEqualTo(Duration.ofDays(1));
        assertThat(day.sent()).isEqualTo(200);
        assertThat(day.hardBounces()).as("a policy refusal is not the list's fault").isEqualTo(2);
        assertThat(day.complaints()).isEqualTo(1);
        assertThat(day.hardBounceRate()).isEqualTo(0.01);
        assertThat(day.complaintRate()).isEqualTo(0.005);
        assertThat(passed).as("every event goes on to the log").hasSize(204);
        assertThat(rates.domains()).containsExactly("news.example.com");
    }

    @Test
    void onlyMailThatLeftUsCountsAsSent() {
        rates.emit(event(EventType.DELIVERED, "app@news.example.com", null)); // a local mailbox
        rates.emit(event(EventType.DEFERRED, "app@news.example.com", "mx.example.org"));

        assertThat(rates.of("news.example.com").windows().getFirst().sent()).isZero();
        assertThat(rates.of("news.example.com").windows().getFirst().complaintRate()).isZero();
    }

    @Test
    void theDayForgetsWhatTheWeekRemembers() {
        rates.emit(event(EventType.DELIVERED, "app@news.example.com", "mx.example.org"));
        clock.advance(Duration.ofDays(3));

        var windows = rates.of("news.example.com").windows();
        assertThat(windows.get(0).sent()).isZero();
        assertThat(windows.get(1).sent()).isEqualTo(1);
    }
}
