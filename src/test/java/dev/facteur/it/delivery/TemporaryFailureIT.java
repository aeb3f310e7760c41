package dev.facteur.it.delivery;

import static dev.facteur.it.delivery.MailWorld.SENDER;
import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.message.Envelope;
import dev.facteur.message.Recipient;
import dev.facteur.testing.ManualClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Temporary failures are retried (RFC 5321 §4.5.4.1) until the queue lifetime ends. The lifetime
 * and the delay warning are hours and minutes of Facteur's clock, which the test moves on: the
 * retries come every second or two of real time, each looking at the moved clock.
 */
class TemporaryFailureIT {

    private static final Duration LIFETIME = Duration.ofHours(1);
    private static final Duration DELAY_WARNING = Duration.ofMinutes(10);
    /** How DSN date fields are written (RFC 5322 §3.3). */
    private static final DateTimeFormatter DATE = DateTimeFormatter.RFC_1123_DATE_TIME;

    @TempDir
    Path dir;

    private final ManualClock clock = ManualClock.flowing();

    @Test
    void a4xxAtRcptIsRetriedWarnedOnceAsDelayedThenFailedWith5_4_7AtTheEndOfTheLifetime() throws Exception {
        String host = MailWorld.newHost();
        var delivery = Map.of("max_lifetime", "1h", "delay_warning", "10m");
        try (var world = MailWorld.start(dir, MailWorld.mx("busy.test", host), clock, c -> c.delivery(delivery))) {
            var busy = world.sink(host, "-r", "rcpt"); // every RCPT gets a 4xx
            String id = world.submit(SENDER, List.of("bob@busy.test"), "try later");

            Envelope deferred = world.awaitEnvelope(id, "a first attempt", e -> e.schedule().attempts() >= 1);
            assertThat(deferred.recipients().getFirst().state()).isEqualTo(Recipient.State.PENDING);
            assertThat(deferred.recipients().getFirst().diagnostic()).startsWith("4");
            world.assertNoDsn("not delayed long enough for a warning");

            // RFC 3464 §2.3.3 "delayed": sent once, after delay_warning, while the message is still being retried.
            clock.advance(DELAY_WARNING.plusMinutes(1));
            ParsedDsn delayed = world.awaitDsns(1).getFirst();
            assertThat(delayed.reportType()).isEqualTo("delivery-status");
            assertThat(delayed.only().action()).isEqualTo("delayed");
            assertThat(delayed.only().status()).startsWith("4.");
            assertThat(delayed.only().willRetryUntil()).as("RFC 3464 §2.3.9: arrival plus the lifetime")
                    .isNotBlank().satisfies(until -> assertThat(ZonedDateTime.parse(until, DATE).toInstant())
                            .isEqualTo(ZonedDateTime.parse(delayed.arrivalDate(), DATE).toInstant().plus(LIFETIME)));
            assertThat(delayed.parts().getLast()).as("a delay report returns the headers only").isEqualTo("text/rfc822-headers");

            // Retried on, a lifetime not over yet: still queued, and warned only once.
            int attempts = world.envelope(id).orElseThrow().schedule().attempts();
            clock.advance(LIFETIME.minus(DELAY_WARNING).minusMinutes(10));
            world.awaitEnvelope(id, "an attempt before the end of the lifetime", e -> e.schedule().attempts() > attempts);
            assertThat(world.queuedBounces()).as("no second warning").isEmpty();
            assertThat(world.bounces().messages()).hasSize(1);

            // RFC 5321 §4.5.4.1: give up after the lifetime; the sender is told of the failure, as 5.4.7.
            clock.advance(Duration.ofMinutes(10));
            List<ParsedDsn> dsns = world.settledDsns(id);
            assertThat(dsns).as("one delay warning, one failure: nothing more")
                    .extracting(d -> d.only().action()).containsExactlyInAnyOrder("delayed", "failed");
            ParsedDsn failure = dsns.stream().filter(d -> d.only().action().equals("failed")).findFirst().orElseThrow();
            ParsedDsn.Rcpt failed = failure.only();
            assertThat(failed.finalRecipient()).isEqualTo("rfc822; bob@busy.test");
            assertThat(failed.status()).isEqualTo("5.4.7"); // RFC 3463 §3.5: delivery time expired
            assertThat(failed.diagnosticCode()).as("the last reply the remote MTA gave").contains("450 4.3.0");
            // RFC 3464 §2.3.5: the MTA that gave it, as "dns; " and a host name, not "name[address]:port"
            assertThat(failed.remoteMta()).isEqualTo("dns; mx.busy.test");
            assertThat(failure.parts().getLast()).isEqualTo("message/rfc822");
            assertThat(busy.messages()).as("no RCPT was ever accepted, so no message was sent").isEmpty();
        }
    }

    @Test
    void aConnectionLostAfterTheFinalDotIsNotCountedDeliveredAndIsRetried() throws Exception { // RFC 1047, RFC 5321 §4.1.1.4
        String host = MailWorld.newHost();
        try (var world = MailWorld.start(dir, MailWorld.mx("flaky.test", host))) {
            var flaky = world.sink(host, "-q", "."); // hangs up after the final dot, before replying
            String id = world.submit(SENDER, List.of("bob@flaky.test"), "no reply to the dot");

            Envelope afterFirst = world.awaitEnvelope(id, "a first attempt", e -> e.schedule().attempts() >= 1);
            Recipient bob = afterFirst.recipients().getFirst();
            assertThat(bob.state()).as("without the 250 the message is still ours").isEqualTo(Recipient.State.PENDING);
            assertThat(bob.diagnostic()).startsWith("4");
            assertThat(MailWorld.awaitReceived(flaky, 1)).as("the peer did get the whole message").isNotEmpty();

            // The retry sends it again: RFC 1047's duplicate, the price of never losing a message.
            MailWorld.awaitReceived(flaky, 2);
            Envelope later = world.awaitEnvelope(id, "a second attempt", e -> e.schedule().attempts() >= 2);
            assertThat(later.recipients().getFirst().state()).isEqualTo(Recipient.State.PENDING);
            world.assertNoDsn("the message is still ours");
        }
    }

    @Test
    void whenNoMxAnswersUntilTheLifetimeEndsTheDsnSays5_4_7AndNamesNoMta() throws Exception { // RFC 3464 §2.3.5
        String host = MailWorld.newHost(); // nothing ever listens here
        try (var world = MailWorld.start(dir, MailWorld.mx("gone.test", host), clock, c -> c.delivery(Map.of("max_lifetime", "1h")))) {
            String id = world.submit(SENDER, List.of("bob@gone.test"), "nobody home");
            world.awaitEnvelope(id, "a first attempt", e -> e.schedule().attempts() >= 1);

            clock.advance(LIFETIME.plusMinutes(1));

            ParsedDsn.Rcpt bob = world.onlyDsn(id).only();
            assertThat(bob.action()).isEqualTo("failed");
            assertThat(bob.status()).isEqualTo("5.4.7");
            // no MTA ever answered, so none gave the verdict: the failure is ours, and names no Remote-MTA
            assertThat(bob.remoteMta()).isNull();
        }
    }
}
