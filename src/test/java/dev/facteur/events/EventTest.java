package dev.facteur.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class EventTest {

    private static final Instant AT = Instant.parse("2026-11-28T10:00:00Z");

    @Test
    void theSenderDomainIsTheEnvelopeSendersInLowerCase() {
        assertThat(Event.of(EventType.DELIVERED, AT, "App@Mail.Example.COM", "b@c.d").senderDomain()).contains("mail.example.com");
        assertThat(Event.of(EventType.DELIVERED, AT, "", "b@c.d").senderDomain()).isEmpty(); // <>
        assertThat(Event.of(EventType.DELIVERED, AT, "postmaster", "b@c.d").senderDomain()).isEmpty();
        // a VERP or SRS sender: the application's own domain is given instead
        assertThat(Event.of(EventType.BOUNCED, AT, "bounce+bob=example.org@bounces.example.net", "bob@example.org")
                .withSenderDomain("Shop.Example").senderDomain()).contains("shop.example");
    }

    @Test
    void withMethodsSetOneFieldEach() {
        Event e = Event.of(EventType.DEFERRED, AT, "app@example.com", "bob@example.org").withQueueId("01JDX4Q3Z8K2M").withAttempt(2)
                .withDiagnostic("421 4.4.2 timeout", "4.4.2").withRemoteMta("mx.example.org").withBounceClass("transient")
                .withDetail("b", "2").withDetail("a", "1");

        assertThat(e.queueId()).contains("01JDX4Q3Z8K2M");
        assertThat(e.attempt()).isEqualTo(OptionalInt.of(2));
        assertThat(e.diagnostic()).contains("421 4.4.2 timeout");
        assertThat(e.enhancedStatus()).contains("4.4.2");
        assertThat(e.remoteMta()).contains("mx.example.org");
        assertThat(e.bounceClass()).contains("transient");
        assertThat(e.details().keySet()).containsExactly("a", "b"); // sorted: equal events, equal bytes
        assertThat(e.withDiagnostic("connection refused", null).enhancedStatus()).isEmpty();
    }

    @Test
    void detailsAreACopyThatCannotChange() {
        var details = new HashMap<String, String>(Map.of("k", "v"));
        Event e = new Event("id", EventType.DELIVERED, AT, Optional.empty(), "", Optional.empty(), "b@c.d", OptionalInt.empty(),
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), details);
        details.put("later", "x");

        assertThat(e.details()).containsOnlyKeys("k");
        assertThatThrownBy(() -> e.details().put("x", "y")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void timeKeepsMillisecondsOnly() { // so an event read back from its JSON equals the one written
        assertThat(Event.of(EventType.DELIVERED, Instant.parse("2026-11-28T10:00:00.123456789Z"), "a@b.c", "d@e.f").time())
                .isEqualTo(Instant.parse("2026-11-28T10:00:00.123Z"));
    }

    @Test
    void malformedValuesAreRefusedWhereTheyAreMade() {
        Event e = Event.of(EventType.BOUNCED, AT, "a@b.c", "d@e.f");
        assertThatThrownBy(() -> e.withDiagnostic("550 no", "5.1")).hasMessageContaining("RFC 3463");
        assertThatThrownBy(() -> e.withDiagnostic("550 no", "6.1.1")).hasMessageContaining("RFC 3463");
        assertThatThrownBy(() -> e.withAttempt(0)).hasMessageContaining("from 1");
        assertThatThrownBy(() -> e.withDetail("k", null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> Event.of(EventType.BOUNCED, AT, null, "d@e.f")).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> new EventType("Bounced")).hasMessageContaining("lower case");
        assertThatThrownBy(() -> new EventType("")).hasMessageContaining("lower case");
    }
}
