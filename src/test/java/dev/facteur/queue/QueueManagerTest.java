package dev.facteur.queue;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.delivery.Attempt;
import dev.facteur.delivery.Outcome;
import dev.facteur.dsn.DsnWriter;
import dev.facteur.message.Body;
import dev.facteur.message.ClientInfo;
import dev.facteur.message.Envelope;
import dev.facteur.message.Mailbox;
import dev.facteur.message.Notify;
import dev.facteur.message.QueueId;
import dev.facteur.message.Recipient;
import dev.facteur.message.Ret;
import dev.facteur.message.ReversePath;
import dev.facteur.smtp.Reply;
import dev.facteur.spool.LogSpool;
import dev.facteur.spool.Spool;
import dev.facteur.spool.StoredMessage;
import dev.facteur.testing.ManualClock;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The queue's decisions, with a scripted deliverer and a clock the test moves. */
class QueueManagerTest {

    @TempDir
    Path dir;

    private final ManualClock clock = ManualClock.stopped();
    private final QueueId.Generator ids = new QueueId.Generator();
    private final ScriptedDeliverer deliverer = new ScriptedDeliverer();
    /** What the fake deliverer answers per recipient address; unknown ones are deferred. */
    private final Map<String, Outcome> script = deliverer.script;
    private final Map<String, Boolean> remoteDsn = deliverer.remoteDsn;
    private final Set<String> mailboxes = deliverer.mailboxes;
    private final List<String> attempted = deliverer.attempted;
    private FaultySpool spool;
    private QueueManager queue;
    private final RetryPolicy policy = new RetryPolicy(Duration.ofMinutes(5), Duration.ofHours(1), Duration.ofDays(5), Duration.ofHours(4));

    @BeforeEach
    void open() throws IOException {
        spool = new FaultySpool(LogSpool.open(dir));
        queue = new QueueManager(spool, deliverer, new DsnWriter("mx.facteur.test", ZoneOffset.UTC), "mx.facteur.test", ids, policy,
                clock, 10, 10);
    }

    @AfterEach
    void close() throws IOException {
        queue.close();
        spool.close();
    }

    private static Outcome ok() {
        return ScriptedDeliverer.ok();
    }

    private static Outcome refused() {
        return ScriptedDeliverer.refused();
    }

    private QueueId enqueue(String sender, Notify notify, String... rcpts) throws IOException {
        return Messages.enqueue(spool, ids, clock.instant(), sender, notify, rcpts);
    }

    private static Mailbox mailbox(String s) {
        return Messages.mailbox(s);
    }

    private List<StoredMessage> dsnsTo(String sender) {
        return spool.messages().stream().filter(m -> m.envelope().sender().isNull())
                .filter(m -> m.envelope().recipients().getFirst().address().toString().equals(sender)).toList();
    }

    private String content(StoredMessage m) throws IOException {
        try (InputStream in = spool.openContent(m.envelope().id())) {
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    @Test
    void aDeliveredMessageLeavesTheSpool() throws IOException {
        script.put("a@example.org", ok());
        QueueId id = enqueue("s@example.test", Notify.DEFAULT, "a@example.org");
        queue.process(id);
        assertThat(spool.find(id)).isEmpty();
    }

    @Test
    void aDeferredRecipientIsRetriedOnTheBackOffSchedule() throws IOException {
        QueueId id = enqueue("s@example.test", Notify.DEFAULT, "a@example.org");
        queue.process(id);
        Envelope e = spool.find(id).orElseThrow().envelope();
        assertThat(e.schedule().attempts()).isEqualTo(1);
        assertThat(e.schedule().nextAttempt()).isEqualTo(clock.instant().plus(Duration.ofMinutes(5)));
        assertThat(e.recipients().getFirst().diagnostic()).isEqualTo("451 4.3.0 try later");
        assertThat(e.recipients().getFirst().isPending()).isTrue();
        clock.advance(Duration.ofMinutes(5));
        queue.process(id);
        assertThat(spool.find(id).orElseThrow().envelope().schedule().nextAttempt())
                .isEqualTo(clock.instant().plus(Duration.ofMinutes(10)));
    }

    @Test
    void onlyPendingRecipientsAreTriedAgain() throws IOException {
        script.put("a@example.org", ok());
        QueueId id = enqueue("s@example.test", Notify.DEFAULT, "a@example.org", "b@example.org");
        queue.process(id);
        attempted.clear();
        queue.process(id);
        assertThat(attempted).containsExactly("b@example.org");
    }

    @Test
    void aPermanentFailureSendsOneDsnForTheFailedRecipientsOnly() throws IOException { // RFC 3464
        script.put("a@example.org", ok());
        script.put("b@example.org", refused());
        script.put("c@example.org", refused());
        QueueId id = enqueue("s@example.test", Notify.DEFAULT, "a@example.org", "b@example.org", "c@example.org");
        queue.process(id);
        assertThat(spool.find(id)).isEmpty();
        List<StoredMessage> dsns = dsnsTo("s@example.test");
        assertThat(dsns).hasSize(1);
        assertThat(dsns.getFirst().envelope().recipients().getFirst().dsnNotify().isNever()).isTrue(); // RFC 3461 §6.2
        String dsn = content(dsns.getFirst());
        assertThat(dsn).contains("Content-Type: multipart/report; report-type=delivery-status")
                .contains("Final-Recipient: rfc822; b@example.org").contains("Final-Recipient: rfc822; c@example.org")
                .doesNotContain("Final-Recipient: rfc822; a@example.org")
                .contains("Action: failed").contains("Status: 5.1.1").contains("Remote-MTA: dns; mx.example.org")
                .contains("Diagnostic-Code: smtp; 550 5.1.1 no such user")
                .contains("Content-Type: message/rfc822").contains("Subject: hello");
    }

    @Test
    void aReportAboutARequireTlsMessageGoesWithRequireTlsAndReturnsOnlyTheHeader() throws IOException { // RFC 8689 §5
        script.put("b@example.org", refused());
        QueueId id = ids.next();
        try (Spool.Draft d = spool.draft(id)) {
            d.content().write("Subject: the merger\r\nFrom: s@example.test\r\n\r\nthe confidential body\r\n".getBytes(StandardCharsets.US_ASCII));
            d.commit(new Envelope(id, clock.instant(), ReversePath.of(mailbox("s@example.test")),
                    List.of(Recipient.pending(mailbox("b@example.org"), Notify.DEFAULT, null)), -1, Body.SEVEN_BIT, false, Ret.FULL, null,
                    new ClientInfo("192.0.2.1", "c", "ESMTPS", "TLSv1.3")).withRequireTls(true));
        }
        QueueId untagged = enqueue("t@example.test", Notify.DEFAULT, "b@example.org");
        queue.process(id);
        queue.process(untagged);
        StoredMessage dsn = dsnsTo("s@example.test").getFirst();
        // "All non-delivery messages resulting from messages with the REQUIRETLS SMTP option ... MUST also specify" it
        assertThat(dsn.envelope().requireTls()).isTrue();
        // "the server MUST behave as if RET=HDRS was present"; "the RET=FULL MUST be disregarded"
        assertThat(content(dsn)).contains("Content-Type: text/rfc822-headers").contains("Subject: the merger")
                .doesNotContain("the confidential body");
        assertThat(dsnsTo("t@example.test").getFirst().envelope().requireTls()).isFalse();
    }

    @Test
    void notifyNeverMeansNoDsn() throws IOException { // RFC 3461 §4.1
        script.put("b@example.org", refused());
        enqueue("s@example.test", Notify.never(), "b@example.org");
        queue.process(spool.messages().getFirst().envelope().id());
        assertThat(dsnsTo("s@example.test")).isEmpty();
        assertThat(spool.messages()).as("the failed message is gone, and nothing was queued for it").isEmpty();
    }

    @Test
    void aFailedBounceIsNeverBouncedButHeldForThePostmaster() throws IOException { // RFC 3464 §2, no loops
        script.put("s@example.test", refused());
        QueueId id = enqueue(null, Notify.never(), "s@example.test");
        queue.process(id);
        assertThat(spool.messages()).hasSize(1);
        assertThat(spool.find(id).orElseThrow().envelope().schedule().held()).isTrue();
    }

    @Test
    void aDelayWarningGoesOutOnceAfterTheWarningTime() throws IOException {
        QueueId id = enqueue("s@example.test", Notify.DEFAULT, "a@example.org");
        queue.process(id);
        assertThat(dsnsTo("s@example.test")).isEmpty();
        clock.advance(Duration.ofHours(5));
        queue.process(id);
        clock.advance(Duration.ofHours(1));
        queue.process(id);
        List<StoredMessage> dsns = dsnsTo("s@example.test");
        assertThat(dsns).hasSize(1);
        assertThat(content(dsns.getFirst())).contains("Action: delayed").contains("Will-Retry-Until:")
                .contains("Content-Type: text/rfc822-headers");
    }

    @Test
    void afterTheLifetimeTheMessageGivesUpWithA547Dsn() throws IOException { // RFC 5321 §4.5.4.1
        QueueId id = enqueue("s@example.test", Notify.DEFAULT, "a@example.org");
        clock.advance(Duration.ofDays(5));
        queue.process(id);
        assertThat(spool.find(id)).isEmpty();
        String dsn = content(dsnsTo("s@example.test").getFirst());
        assertThat(dsn).contains("Action: failed").contains("Status: 5.4.7").contains("last error: 451 4.3.0 try later");
    }

    @Test
    void successIsReportedWhenAskedAndTheNextServerCannotDoIt() throws IOException { // RFC 3461 §5.2.2 "relayed"
        script.put("a@example.org", ok());
        remoteDsn.put("a@example.org", false);
        QueueId id = enqueue("s@example.test", new Notify(java.util.EnumSet.of(Notify.Condition.SUCCESS), true), "a@example.org");
        queue.process(id);
        assertThat(content(dsnsTo("s@example.test").getFirst())).contains("Action: relayed").contains("Status: 2.0.0");
    }

    @Test
    void heldMessagesAreNotTriedUntilReleased() throws IOException {
        QueueId id = enqueue("s@example.test", Notify.DEFAULT, "a@example.org");
        assertThat(queue.hold(id).ok()).isTrue();
        queue.process(id);
        assertThat(attempted).isEmpty();
        assertThat(queue.release(id).ok()).isTrue();
        assertThat(spool.find(id).orElseThrow().envelope().schedule().held()).isFalse();
        queue.process(id);
        assertThat(attempted).containsExactly("a@example.org");
    }

    @Test
    void deleteForgetsAndBounceTellsTheSender() throws IOException {
        QueueId a = enqueue("s@example.test", Notify.DEFAULT, "a@example.org");
        QueueId b = enqueue("t@example.test", Notify.DEFAULT, "b@example.org");
        assertThat(queue.delete(a).ok()).isTrue();
        assertThat(queue.bounce(b).message()).contains("1 recipient bounced");
        assertThat(spool.find(a)).isEmpty();
        assertThat(spool.find(b)).isEmpty();
        assertThat(dsnsTo("s@example.test")).isEmpty();
        assertThat(content(dsnsTo("t@example.test").getFirst())).contains("Status: 5.0.0");
        assertThat(queue.delete(a).ok()).isFalse();
    }

    @Test
    void aRestartKeepsEveryDueTime() throws IOException {
        QueueId id = enqueue("s@example.test", Notify.DEFAULT, "a@example.org");
        queue.process(id);
        Instant due = spool.find(id).orElseThrow().envelope().schedule().nextAttempt();
        queue.close();
        spool.close();
        spool = new FaultySpool(LogSpool.open(dir));
        assertThat(spool.find(id).orElseThrow().envelope().schedule().nextAttempt()).isEqualTo(due);
        assertThat(spool.find(id).orElseThrow().envelope().schedule().attempts()).isEqualTo(1);
    }

    @Test
    void successInOurOwnMailboxIsReportedAsDelivered() throws IOException { // RFC 3461 §5.2.2 "delivered"
        script.put("a@example.test", ok());
        mailboxes.add("a@example.test");
        QueueId id = enqueue("s@example.org", new Notify(java.util.EnumSet.of(Notify.Condition.SUCCESS), true), "a@example.test");
        queue.process(id);
        assertThat(content(dsnsTo("s@example.org").getFirst())).contains("Action: delivered").contains("Status: 2.0.0");
    }

    @Test
    void aRecipientOnHoldDoesNotHoldTheOthersBack() throws IOException {
        script.put("kept@slow.example", new Outcome.Held(new Reply(451, "4.3.0", "Held by the transport map")));
        QueueId id = enqueue("s@example.test", Notify.DEFAULT, "kept@slow.example", "b@example.org");
        queue.process(id);
        var env = spool.find(id).orElseThrow().envelope();
        assertThat(env.schedule().held()).as("b is still to be retried").isFalse();
        assertThat(env.schedule().nextAttempt()).isNotNull();

        script.put("b@example.org", ok());
        queue.process(id);
        env = spool.find(id).orElseThrow().envelope();
        assertThat(env.schedule().held()).as("only the held recipient is left").isTrue();
        assertThat(env.recipients()).extracting(Recipient::state).containsExactly(Recipient.State.PENDING, Recipient.State.DELIVERED);
    }

    @Test
    void aMessageThatExpiresWithARecipientOnHoldLeavesTheQueue() throws IOException {
        script.put("kept@slow.example", new Outcome.Held(new Reply(451, "4.3.0", "Held by the transport map")));
        QueueId id = enqueue("s@example.test", Notify.DEFAULT, "kept@slow.example", "b@example.org");
        queue.process(id);
        clock.advance(Duration.ofDays(5));
        queue.process(id);
        assertThat(spool.find(id)).as("expired: both failed, one DSN, nothing left to hold").isEmpty();
        assertThat(dsnsTo("s@example.test")).hasSize(1);
    }

    @Test
    void anExpandedAliasIsReportedOnceHoweverOftenTheMessageIsTried() throws IOException { // RFC 3461 §5.2.7.3
        QueueId id = ids.next();
        var success = new Notify(java.util.EnumSet.of(Notify.Condition.SUCCESS), true);
        List<Recipient> rs = List.of(
                new Recipient(mailbox("team@example.test"), success, null, Recipient.State.EXPANDED, "250 2.0.0 Expanded to 2 recipients", null),
                Recipient.pending(mailbox("a@example.org"), Notify.never(), "rfc822;team@example.test"),
                Recipient.pending(mailbox("b@example.org"), Notify.never(), "rfc822;team@example.test"));
        Messages.enqueue(spool, id, clock.instant(), "s@example.test", rs);
        queue.process(id);               // both deferred
        queue.process(id);               // again
        script.put("a@example.org", ok());
        script.put("b@example.org", ok());
        queue.process(id);               // delivered
        assertThat(spool.find(id)).isEmpty();
        var dsns = dsnsTo("s@example.test");
        assertThat(dsns).singleElement();
        assertThat(content(dsns.getFirst())).contains("Action: expanded").contains("Final-Recipient: rfc822; team@example.test");
    }

    @Test
    void aDsnAndTheRemovalOfItsMessageAreCommittedAsOne() throws IOException { // a crash cannot send it twice, nor lose it
        script.put("b@example.org", refused());
        QueueId id = enqueue("s@example.test", Notify.DEFAULT, "b@example.org");
        queue.process(id);
        assertThat(spool.commits).singleElement().satisfies(changes -> {
            assertThat(changes).hasSize(2);
            assertThat(changes.get(0)).isInstanceOfSatisfying(Spool.Change.Add.class,
                    add -> assertThat(add.envelope().sender().isNull()).isTrue());
            assertThat(changes.get(1)).isEqualTo(new Spool.Change.Remove(id));
        });
        assertThat(dsnsTo("s@example.test")).hasSize(1);
    }

    @Test
    void aDsnAndTheNewStateOfItsMessageAreCommittedAsOne() throws IOException {
        script.put("b@example.org", refused());
        QueueId id = enqueue("s@example.test", Notify.DEFAULT, "a@example.org", "b@example.org");
        queue.process(id);
        assertThat(spool.commits).singleElement().satisfies(changes -> {
            assertThat(changes).extracting(c -> c.getClass().getSimpleName()).containsExactly("Add", "Update");
            var update = (Spool.Change.Update) changes.get(1);
            assertThat(update.envelope().recipients()).extracting(Recipient::state)
                    .containsExactly(Recipient.State.PENDING, Recipient.State.FAILED);
        });
    }

    @Test
    void deliveriesAreRecordedBeforeTheNextDestinationIsTried() throws IOException { // a crash meanwhile cannot deliver them twice
        script.put("a@one.example", ok());
        QueueId id = enqueue("s@example.test", Notify.DEFAULT, "a@one.example", "b@two.example");
        List<Recipient.State> seenByTwo = new ArrayList<>();
        deliverer.before = destination -> {
            if (destination.equals("two.example"))
                seenByTwo.addAll(spool.find(id).orElseThrow().envelope().recipients().stream().map(Recipient::state).toList());
        };
        queue.process(id);
        assertThat(seenByTwo).containsExactly(Recipient.State.DELIVERED, Recipient.State.PENDING);
    }

    @Test
    void failuresInSeveralDestinationsAreToldInOneDsnAtTheEndOfTheRound() throws IOException { // RFC 3464: one report per message
        script.put("a@one.example", refused());
        script.put("d@one.example", ok());
        script.put("b@two.example", refused());
        QueueId id = enqueue("s@example.test", Notify.DEFAULT, "a@one.example", "d@one.example", "b@two.example");
        List<Recipient.State> seenByTwo = new ArrayList<>();
        deliverer.before = destination -> {
            if (destination.equals("two.example"))
                seenByTwo.addAll(spool.find(id).orElseThrow().envelope().recipients().stream().map(Recipient::state).toList());
        };
        queue.process(id);
        assertThat(seenByTwo).as("a failure is recorded with its DSN, so until the end of the round it is pending; d is recorded at once")
                .containsExactly(Recipient.State.PENDING, Recipient.State.DELIVERED, Recipient.State.PENDING);
        assertThat(spool.find(id)).isEmpty();
        List<StoredMessage> dsns = dsnsTo("s@example.test");
        assertThat(dsns).hasSize(1);
        assertThat(content(dsns.getFirst())).contains("Final-Recipient: rfc822; a@one.example")
                .contains("Final-Recipient: rfc822; b@two.example").doesNotContain("d@one.example");
    }
}
