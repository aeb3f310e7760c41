package dev.facteur.it.delivery;

import static dev.facteur.it.delivery.MailWorld.SENDER;
import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.message.Envelope;
import dev.facteur.message.Recipient;
import dev.facteur.testing.LogCapture;
import dev.facteur.testing.ManualClock;
import dev.facteur.testing.Patience;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Who is told of a failure, and who never is: NOTIFY=NEVER (RFC 3461 §4.1) and bounces of bounces (RFC 3464 §2). */
class DsnLoopIT {

    @TempDir
    Path dir;

    @Test
    void aRecipientWithNotifyNeverIsLeftOutOfTheDsn() throws Exception { // RFC 3461 §4.1
        String host = MailWorld.newHost();
        try (var world = MailWorld.start(dir, MailWorld.mx("reject.test", host))) {
            world.sink(host, "-f", "rcpt");
            String id = world.submit("<" + SENDER + ">", List.of("<carol@reject.test> NOTIFY=NEVER", "<dave@reject.test>"),
                    MailWorld.message(SENDER, "one silent"));

            List<ParsedDsn> dsns = world.settledDsns(id);
            assertThat(dsns).singleElement().satisfies(d ->
                    assertThat(d.recipients()).extracting(ParsedDsn.Rcpt::finalRecipient).containsExactly("rfc822; dave@reject.test"));
        }
    }

    @Test
    void aFailureWithNotifyNeverSendsNoDsnAtAll() throws Exception { // RFC 3461 §4.1
        String host = MailWorld.newHost();
        try (var world = MailWorld.start(dir, MailWorld.mx("reject.test", host))) {
            world.sink(host, "-f", "rcpt");
            String id = world.submit("<" + SENDER + ">", List.of("<carol@reject.test> NOTIFY=NEVER"),
                    MailWorld.message(SENDER, "silent"));

            // A DSN would be queued before the original leaves the queue: after that, there is none anywhere.
            world.awaitGone(id);
            assertThat(world.queuedBounces()).isEmpty();
            assertThat(world.bounces().messages()).isEmpty();
        }
    }

    @Test
    void aDsnThatCannotBeDeliveredIsHeldInTheQueueAndNeverAnsweredWithAnotherDsn() throws Exception { // RFC 3461 §6.2, RFC 3464 §2
        String host = MailWorld.newHost();
        String sender = "alice@no-such-sender.test"; // NXDOMAIN: the DSN fails too
        var clock = ManualClock.flowing();
        // One delivery at a time per destination: what is due for a destination is tried in turn (see below).
        // A permanent failure counts no attempt in the schedule: the delivery log is what shows a try.
        try (var world = MailWorld.start(dir, MailWorld.mx("reject.test", host), clock, c -> c.delivery("max_per_destination = 1"));
                var triesOfTheDsn = LogCapture.attach("facteur.delivery", m -> m.contains("to=<" + sender + ">"))) {
            world.sink(host, "-f", "rcpt");
            String id = world.submit(sender, List.of("carol@reject.test"), "double bounce");

            world.awaitGone(id);
            Envelope held = Patience.await("the DSN is held")
                    .until(() -> world.queuedBounces().stream().filter(e -> e.schedule().held()).findFirst(), Optional::isPresent)
                    .orElseThrow();
            assertThat(held.sender().isNull()).isTrue();
            Recipient alice = held.recipients().getFirst();
            assertThat(alice.address().toString()).isEqualTo(sender);
            assertThat(alice.state()).isEqualTo(Recipient.State.FAILED);
            assertThat(alice.diagnostic()).contains("5.1.2");
            assertThat(triesOfTheDsn.messages()).singleElement().asString().startsWith(held.id() + ": ").contains("status=bounced");

            // Days later, past any retry time there could be, a message for the same destination waits in line
            // behind whatever is due there: once it has been tried, the held DSN would have been too, had it been due.
            clock.advance(Duration.ofDays(3));
            String probe = world.submit(SENDER, List.of("dave@no-such-sender.test"), "probe");
            world.awaitGone(probe);
            Patience.await("the probe's own DSN is delivered").until(() -> world.queuedBounces().size() == 1);
            // still exactly that one held message, not tried again, nothing new queued for it
            assertThat(world.facteur().spool().messages()).singleElement().satisfies(m -> {
                assertThat(m.envelope().id()).isEqualTo(held.id());
                assertThat(m.envelope().schedule().held()).isTrue();
            });
            assertThat(triesOfTheDsn.messages()).as("the held DSN was not tried again").hasSize(1);
            assertThat(world.bounces().messages()).as("the probe's DSN, none for the held one").singleElement().asString()
                    .contains("Subject: probe");
        }
    }

    @Test
    void aHeldDsnReleasedByTheOperatorIsTriedAgain() throws Exception { // the postmaster fixed the cause: deliver it
        String rejectHost = MailWorld.newHost();
        String pickyHost = MailWorld.newHost();
        var records = new java.util.ArrayList<String>();
        records.addAll(MailWorld.mx("reject.test", rejectHost));
        records.addAll(MailWorld.mx("picky.test", pickyHost));
        try (var world = MailWorld.start(dir, records)) {
            world.sink(rejectHost, "-f", "rcpt");
            var picky = world.sink(pickyHost, "-f", "rcpt"); // the sender's own MX refuses the DSN at first
            world.submit("alice@picky.test", List.of("carol@reject.test"), "bounce back later");

            Envelope held = Patience.await("the DSN is held")
                    .until(() -> world.queuedBounces().stream().filter(e -> e.schedule().held()).findFirst(), Optional::isPresent)
                    .orElseThrow();
            world.stop(picky);
            var fixed = world.sink(pickyHost);

            assertThat(world.queue().release(held.id()).ok()).isTrue();
            world.awaitGone(held.id().toString());
            assertThat(MailWorld.awaitReceived(fixed, 1)).as("the released DSN reached the sender").hasSize(1);
        }
    }
}
