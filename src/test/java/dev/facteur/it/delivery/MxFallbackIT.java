package dev.facteur.it.delivery;

import static dev.facteur.it.delivery.MailWorld.SENDER;
import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.message.Envelope;
import dev.facteur.message.Recipient;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** RFC 5321 §5.1: the MX hosts are tried in order of preference; when none answers, the mail waits. */
class MxFallbackIT {

    @TempDir
    Path dir;

    @Test
    void whenTheMostPreferredMxIsDownTheNextOneGetsTheMessage() throws Exception { // RFC 5321 §5.1
        String down = MailWorld.newHost(); // nothing listens here
        String up = MailWorld.newHost();
        var records = new ArrayList<String>();
        records.addAll(MailWorld.mx("two.test", 10, "mx1.two.test", down));
        records.addAll(MailWorld.mx("two.test", 20, "mx2.two.test", up));
        try (var world = MailWorld.start(dir, records)) {
            var second = world.sink(up);
            String id = world.submit(SENDER, List.of("bob@two.test"), "fallback");

            world.awaitGone(id);
            var received = MailWorld.awaitReceived(second, 1);
            assertThat(received).hasSize(1);
            assertThat(received.getFirst()).contains("X-Rcpt-Args: <bob@two.test>", "Subject: fallback");
            world.assertNoDsn("the message was delivered");
        }
    }

    @Test
    void whenEveryMxIsDownTheMessageIsDeferredAndDeliveredOnALaterAttempt() throws Exception { // RFC 5321 §4.5.4.1
        String first = MailWorld.newHost();
        String second = MailWorld.newHost();
        var records = new ArrayList<String>();
        records.addAll(MailWorld.mx("down.test", 10, "mx1.down.test", first));
        records.addAll(MailWorld.mx("down.test", 20, "mx2.down.test", second));
        // A long retry interval: only the operator's flush can bring the second attempt early.
        try (var world = MailWorld.start(dir, records, Map.of("retry_initial", "1m", "retry_max", "1m"))) {
            String id = world.submit(SENDER, List.of("bob@down.test"), "all down");

            Envelope deferred = world.awaitEnvelope(id, "a first attempt", e -> e.schedule().attempts() >= 1);
            Recipient bob = deferred.recipients().getFirst();
            assertThat(bob.state()).isEqualTo(Recipient.State.PENDING);
            assertThat(bob.diagnostic()).as("the reason is kept for the next attempt and the DSN").startsWith("4");
            assertThat(deferred.schedule().nextAttempt()).isNotNull();

            var sink = world.sink(second);
            assertThat(world.queue().flushAll(null).ok()).isTrue();

            world.awaitGone(id);
            assertThat(MailWorld.awaitReceived(sink, 1).getFirst()).contains("X-Rcpt-Args: <bob@down.test>", "Subject: all down");
            world.assertNoDsn("no delay warning asked for, and delivered in time");
        }
    }
}
