package dev.facteur.message;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The envelope's REQUIRETLS tag (RFC 8689 §4.1) stays with the message whatever else changes. */
class EnvelopeTest {

    private static final Recipient BOB = Recipient.pending(new Mailbox("bob", "example.test"), Notify.DEFAULT, null);

    private static Envelope received() {
        return new Envelope(new QueueId(42), Instant.parse("2026-12-01T10:00:00Z"), ReversePath.of(new Mailbox("alice", "example.org")),
                List.of(BOB), -1, Body.SEVEN_BIT, false, null, null, new ClientInfo("192.0.2.1", "c.example", "ESMTPS", "TLSv1.3"));
    }

    @Test
    void anEnvelopeMadeTheWayItWasBeforeRequireTlsHasNoTag() {
        assertThat(received().requireTls()).isFalse();
        Envelope e = received();
        assertThat(new Envelope(e.id(), e.arrival(), e.sender(), e.recipients(), e.declaredSize(), e.body(), e.smtpUtf8(), e.ret(),
                e.envid(), e.client(), new Schedule(1, null, false, false)).requireTls()).isFalse();
    }

    @Test
    void everyCopyOfATaggedMessageIsTaggedTheSameWay() { // RFC 8689 §4.1: "all instances of the message MUST be tagged in the same manner"
        Envelope tagged = received().withRequireTls(true);
        assertThat(tagged.requireTls()).isTrue();
        assertThat(tagged.withRecipients(List.of(BOB, BOB.after(Recipient.State.EXPANDED, "250 expanded", null))).requireTls()).isTrue();
        assertThat(tagged.withSender(ReversePath.of(new Mailbox("SRS0=x=y=example.org=alice", "fwd.example.test"))).requireTls()).isTrue();
        assertThat(tagged.withBody(Body.EIGHT_BIT_MIME).requireTls()).isTrue();
        assertThat(tagged.withSchedule(Schedule.NEW.retryAt(Instant.EPOCH)).requireTls()).isTrue();
        assertThat(tagged.withRequireTls(false)).isEqualTo(received());
    }
}
