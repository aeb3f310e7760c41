package dev.facteur.queue;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.message.QueueId;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class DueQueueTest {

    private final QueueId.Generator ids = new QueueId.Generator();
    private final Instant t0 = Instant.parse("2026-11-28T00:00:00Z");

    @Test
    void messagesComeOutInDueOrderAndOnlyWhenDue() {
        var q = new DueQueue();
        QueueId a = ids.next(), b = ids.next(), c = ids.next();
        q.schedule(a, t0.plusSeconds(30));
        q.schedule(b, t0.plusSeconds(10));
        q.schedule(c, t0.plusSeconds(20));
        assertThat(q.takeDue(t0, 10)).isEmpty();
        assertThat(q.next()).isEqualTo(t0.plusSeconds(10));
        assertThat(q.takeDue(t0.plusSeconds(25), 10)).containsExactly(b, c);
        assertThat(q.size()).isEqualTo(1);
    }

    @Test
    void reschedulingReplacesTheEarlierTime() {
        var q = new DueQueue();
        QueueId a = ids.next();
        q.schedule(a, t0.plusSeconds(5));
        q.schedule(a, t0.plusSeconds(60));
        assertThat(q.takeDue(t0.plusSeconds(10), 10)).isEmpty();
        assertThat(q.next()).isEqualTo(t0.plusSeconds(60));
        assertThat(q.takeDue(t0.plusSeconds(60), 10)).containsExactly(a);
    }

    @Test
    void cancelledMessagesNeverComeOut() {
        var q = new DueQueue();
        QueueId a = ids.next();
        q.schedule(a, t0);
        q.cancel(a);
        assertThat(q.takeDue(t0.plusSeconds(1), 10)).isEmpty();
        assertThat(q.next()).isNull();
    }

    @Test
    void takeDueHonoursItsLimit() {
        var q = new DueQueue();
        for (int i = 0; i < 10; i++) q.schedule(ids.next(), t0);
        assertThat(q.takeDue(t0, 3)).hasSize(3);
        assertThat(q.size()).isEqualTo(7);
    }

    @Test
    void backOffDoublesUpToTheCap() {
        var p = RetryPolicy.DEFAULT;
        assertThat(p.delayAfter(1)).hasMinutes(5);
        assertThat(p.delayAfter(2)).hasMinutes(10);
        assertThat(p.delayAfter(3)).hasMinutes(20);
        assertThat(p.delayAfter(4)).hasMinutes(40);
        assertThat(p.delayAfter(5)).hasHours(1);
        assertThat(p.delayAfter(500)).hasHours(1);
    }
}
