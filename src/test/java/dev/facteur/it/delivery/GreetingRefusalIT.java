package dev.facteur.it.delivery;

import static dev.facteur.it.delivery.MailWorld.SENDER;
import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.message.Envelope;
import dev.facteur.message.Recipient;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 5xx greeting (RFC 5321 §3.1, §4.3.2: 554 at connection) is a host that will not talk to us,
 * not a verdict on the message: the next MX is tried, and when every MX says so the message waits
 * (Postfix's smtp_skip_5xx_greeting). smtp-sink plays the unwilling host ({@code -f connect}).
 */
class GreetingRefusalIT {

    private static final String NO_SERVICE = "554 5.7.1 No SMTP service here";

    @TempDir
    Path dir;

    @Test
    void whenAnMxGreetsWith554TheNextMxGetsTheMessage() throws Exception { // RFC 5321 §5.1
        String unwilling = MailWorld.newHost();
        String willing = MailWorld.newHost();
        var records = new ArrayList<String>();
        records.addAll(MailWorld.mx("greet.test", 10, "mx1.greet.test", unwilling));
        records.addAll(MailWorld.mx("greet.test", 20, "mx2.greet.test", willing));
        try (var world = MailWorld.start(dir, records)) {
            var first = world.sink(unwilling, "-f", "connect", "-B", NO_SERVICE);
            var second = world.sink(willing);
            String id = world.submit(SENDER, List.of("bob@greet.test"), "second mx");

            world.awaitGone(id);
            assertThat(MailWorld.awaitReceived(second, 1).getFirst()).contains("X-Rcpt-Args: <bob@greet.test>", "Subject: second mx");
            assertThat(first.messages()).isEmpty();
            world.assertNoDsn("delivered");
        }
    }

    @Test
    void whenEveryMxGreetsWith554TheMessageIsDeferredNotBounced() throws Exception {
        String one = MailWorld.newHost();
        String two = MailWorld.newHost();
        var records = new ArrayList<String>();
        records.addAll(MailWorld.mx("closed.test", 10, "mx1.closed.test", one));
        records.addAll(MailWorld.mx("closed.test", 20, "mx2.closed.test", two));
        try (var world = MailWorld.start(dir, records)) {
            world.sink(one, "-f", "connect", "-B", NO_SERVICE);
            world.sink(two, "-f", "connect", "-B", NO_SERVICE);
            String id = world.submit(SENDER, List.of("bob@closed.test"), "nobody talks");

            // two attempts, each over both MX hosts: still waiting, never bounced
            Envelope env = world.awaitEnvelope(id, "a second attempt", e -> e.schedule().attempts() >= 2);
            Recipient bob = env.recipients().getFirst();
            assertThat(bob.state()).isEqualTo(Recipient.State.PENDING);
            assertThat(bob.diagnostic()).startsWith("421 4.7.1 mx2.closed.test[" + two + "]:" + MailWorld.REMOTE_PORT)
                    .endsWith("refused to talk to us: " + NO_SERVICE);
            assertThat(bob.remoteMta()).as("our verdict, quoting the host").isNull();
            world.assertNoDsn("no delay warning asked for, and nothing bounced");
        }
    }
}
