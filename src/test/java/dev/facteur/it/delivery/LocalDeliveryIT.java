package dev.facteur.it.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.message.QueueId;
import dev.facteur.testing.LogCapture;
import dev.facteur.testing.MaildirReader;
import dev.facteur.testing.Patience;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mail for our own domains ends in Maildirs that a mail reader (Python's mailbox module) reads;
 * aliases, sub-addresses, the postmaster and the transport map steer it; and the loop the whole
 * project is about closes: a local user's mail is refused far away and the DSN lands in that
 * user's own inbox.
 */
class LocalDeliveryIT {

    @TempDir
    Path dir;

    private String local(String extra) {
        return """
                [local]
                domains = ["facteur.test", "other.test"]
                users = ["alice", "bob", "carol@other.test"]
                aliases_file = '%s'
                maildir = '%s/{domain}/{user}'
                [routing]
                transport_file = '%s'
                %s
                """.formatted(dir.resolve("aliases"), dir.resolve("mail"), dir.resolve("transport"), extra);
    }

    private Path maildir(String domain, String user) {
        return dir.resolve("mail").resolve(domain).resolve(user);
    }

    private MailWorld world(List<String> records, String aliases, String transport) throws Exception {
        Files.writeString(dir.resolve("aliases"), aliases);
        Files.writeString(dir.resolve("transport"), transport);
        return MailWorld.start(dir, records, Map.of(), local(""));
    }

    private List<MaildirReader.Message> awaitMail(Path maildir, int n) {
        return Patience.await(maildir + " holds " + n)
                .until(() -> MaildirReader.read(maildir), l -> l.size() >= n);
    }

    @Test
    void usersAliasesSubAddressesAndThePostmasterGetTheirMailInMaildirs() throws Exception {
        try (var world = world(List.of(), """
                info: alice, carol@other.test
                postmaster: bob
                """, "")) {
            String id = world.submit("someone@sender.test",
                    List.of("alice@facteur.test", "info@facteur.test", "bob+receipts@facteur.test", "postmaster@other.test"),
                    "Local mail");
            world.awaitGone(id);

            var alice = awaitMail(maildir("facteur.test", "alice"), 1);
            assertThat(alice).as("alice once, though named directly and through info").singleElement().satisfies(m -> {
                assertThat(m.subject()).isEqualTo("Local mail");
                assertThat(m.returnPath()).isEqualTo("<someone@sender.test>");
                assertThat(m.deliveredTo()).isEqualTo("alice@facteur.test");
                assertThat(m.body()).contains("this is the body of Local mail.");
                assertThat(m.defects()).isEmpty();
            });
            assertThat(awaitMail(maildir("other.test", "carol"), 1)).hasSize(1);
            assertThat(awaitMail(maildir("facteur.test", "bob"), 1)).as("bob+receipts").hasSize(1);
            // "postmaster: bob" names bob in the domain being expanded: bob of other.test
            assertThat(awaitMail(maildir("other.test", "bob"), 1)).hasSize(1);
        }
    }

    @Test
    void anEditedAliasesFileAppliesWithoutRestart() throws Exception {
        try (var world = world(List.of(), "sales: alice\n", "")) {
            world.awaitGone(world.submit("someone@sender.test", List.of("sales@facteur.test"), "Before"));
            assertThat(awaitMail(maildir("facteur.test", "alice"), 1)).hasSize(1);

            Files.writeString(dir.resolve("aliases"), "sales: bob\n");
            Patience.await("the new aliases are read").untilAsserted(() -> {
                String id = world.submit("someone@sender.test", List.of("sales@facteur.test"), "After");
                world.awaitGone(id);
                assertThat(MaildirReader.read(maildir("facteur.test", "bob"))).isNotEmpty();
            });
        }
    }

    @Test
    void aForwardingLoopIsBouncedNotDeliveredForever() throws Exception { // Delivered-To loop check
        try (var world = world(List.of(), "", "")) {
            byte[] looped = ("Delivered-To: alice@facteur.test\r\nFrom: <x@sender.test>\r\nSubject: loop\r\n\r\nround and round\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            String id = world.submit("<x@sender.test>", List.of("<alice@facteur.test>"), looped);
            var dsn = world.onlyDsn(id);
            assertThat(dsn.recipients()).singleElement().satisfies(r -> {
                assertThat(r.action()).isEqualTo("failed");
                assertThat(r.status()).isEqualTo("5.4.6");
            });
            assertThat(MaildirReader.read(maildir("facteur.test", "alice"))).isEmpty();
        }
    }

    @Test
    void theTransportMapDiscardsHoldsOrSendsElsewhere() throws Exception {
        String elsewhere = MailWorld.newHost();
        try (var delivery = LogCapture.attach("facteur.delivery"); var world = world(List.of(), "", """
                bob@facteur.test      smtp:[%s]:%d
                archive.example       discard
                slow.example          hold
                """.formatted(elsewhere, MailWorld.REMOTE_PORT))) {
            var sink = world.sink(elsewhere);
            world.awaitGone(world.submit("someone@sender.test", List.of("bob@facteur.test"), "Routed"));
            assertThat(MailWorld.awaitReceived(sink, 1).getFirst()).contains("Subject: Routed");
            assertThat(MaildirReader.read(maildir("facteur.test", "bob"))).isEmpty();

            // archive.example is in no DNS: without the transport map its mail would bounce (5.1.2)
            String discarded = world.submit("someone@sender.test", List.of("x@archive.example"), "Thrown away");
            world.awaitGone(discarded);
            assertThat(delivery.messages()).filteredOn(l -> l.startsWith(discarded + ": to=<x@archive.example>"))
                    .singleElement().asString().contains("relay=discard", "status=sent", "250 2.0.0 Discarded (transport map)");
            world.assertNoDsn("discarded, as delivered");

            String held = world.submit("someone@sender.test", List.of("x@slow.example"), "Waits");
            var env = world.awaitEnvelope(held, "held", e -> e.schedule().held());
            assertThat(env.recipients().getFirst().isPending()).isTrue();
            assertThat(world.queue().release(QueueId.parse(held)).ok()).isTrue();
            // released, it is tried at once, and the transport map holds it again
            delivery.await("the attempt after the release", l -> l.startsWith(held + ": to=<x@slow.example>") && l.contains("status=hold"), 2);
            var again = world.awaitEnvelope(held, "held again", e -> e.schedule().held());
            assertThat(again.recipients().getFirst().isPending()).isTrue();
        }
    }

    @Test
    void aLocalSendersBounceComesBackToItsOwnInbox() throws Exception {
        String refusing = MailWorld.newHost();
        try (var world = world(MailWorld.mx("far.example", refusing), "", "")) {
            world.sink(refusing, "-f", "rcpt"); // every RCPT gets a 5xx
            String id = world.submit("alice@facteur.test", List.of("nobody@far.example"), "Into the void");
            world.awaitGone(id);

            var inbox = awaitMail(maildir("facteur.test", "alice"), 1);
            assertThat(inbox).singleElement().satisfies(m -> {
                assertThat(m.returnPath()).isEqualTo("<>");
                assertThat(m.deliveredTo()).isEqualTo("alice@facteur.test");
                assertThat(m.subject()).isEqualTo("Undelivered Mail Returned to Sender");
            });
            Path file;
            try (var files = Files.list(maildir("facteur.test", "alice").resolve("new"))) {
                file = files.findFirst().orElseThrow();
            }
            var dsn = ParsedDsn.parseAll(List.of(Files.readString(file).replace("\n", "\r\n"))).getFirst();
            assertThat(dsn.recipients()).singleElement().satisfies(r -> {
                assertThat(r.finalRecipient()).isEqualTo("rfc822; nobody@far.example");
                assertThat(r.action()).isEqualTo("failed");
                assertThat(r.status()).startsWith("5.");
            });
            assertThat(world.queuedBounces()).isEmpty();
        }
    }

    @Test
    void canonicalMapsAndMasqueradingRewriteTheEnvelopeAndTheHeaders() throws Exception {
        Files.writeString(dir.resolve("aliases"), "");
        Files.writeString(dir.resolve("transport"), "");
        Files.writeString(dir.resolve("recipient_canonical"), "@old.test  @facteur.test\n");
        try (var world = MailWorld.start(dir, List.of(), Map.of(), local("""
                recipient_canonical_file = '%s'
                masquerade_domains = ["sender.test"]
                rewrite_headers = true
                """.formatted(dir.resolve("recipient_canonical"))))) {
            byte[] message = ("From: Joe <joe@host7.sender.test>\r\nTo: Alice <alice@old.test>\r\nSubject: moved\r\n\r\n"
                    + "Reply to joe@host7.sender.test, not alice@old.test.\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            world.awaitGone(world.submit("<joe@host7.sender.test>", List.of("<alice@old.test>"), message));

            var mail = awaitMail(maildir("facteur.test", "alice"), 1).getFirst();
            assertThat(mail.returnPath()).isEqualTo("<joe@sender.test>");
            assertThat(mail.from()).isEqualTo("Joe <joe@sender.test>");
            assertThat(mail.deliveredTo()).isEqualTo("alice@facteur.test");
            assertThat(mail.body()).as("the body is never rewritten").contains("joe@host7.sender.test, not alice@old.test");
        }
    }

    @Test
    void aSmarthostTakesAllMailLeavingUsButNotOurOwn() throws Exception {
        String relayHost = MailWorld.newHost();
        Files.writeString(dir.resolve("aliases"), "");
        Files.writeString(dir.resolve("transport"), "");
        // far.example has an MX of its own, which must not be used: everything goes to the smarthost
        String farMx = MailWorld.newHost();
        try (var world = MailWorld.start(dir, MailWorld.mx("far.example", farMx),
                Map.of("smarthost", "[" + relayHost + "]:" + MailWorld.REMOTE_PORT), local(""))) {
            var relay = world.sink(relayHost);
            var far = world.sink(farMx);
            world.awaitGone(world.submit("someone@sender.test", List.of("x@far.example", "alice@facteur.test"), "Via the relay"));
            assertThat(MailWorld.awaitReceived(relay, 1)).singleElement().asString().contains("Subject: Via the relay");
            assertThat(awaitMail(maildir("facteur.test", "alice"), 1)).hasSize(1);
            assertThat(far.messages()).isEmpty();
        }
    }

    @Test
    void anAliasOfSeveralReportsExpandedOnceAndAMailboxReportsDelivered() throws Exception { // RFC 3461 §5.2.7.3
        try (var world = world(List.of(), "team: alice, bob\n", "")) {
            String id = world.submit("<someone@sender.test>",
                    List.of("<team@facteur.test> NOTIFY=SUCCESS,FAILURE", "<carol@other.test> NOTIFY=SUCCESS"),
                    MailWorld.message("someone@sender.test", "Team news"));
            assertThat(awaitMail(maildir("facteur.test", "alice"), 1)).hasSize(1);
            assertThat(awaitMail(maildir("facteur.test", "bob"), 1)).hasSize(1);

            // every DSN of the message, once it has left the queue: no success report for alice or bob
            var dsns = world.settledDsns(id);
            assertThat(dsns).hasSize(2).flatExtracting(ParsedDsn::recipients)
                    .extracting(ParsedDsn.Rcpt::finalRecipient, ParsedDsn.Rcpt::action, ParsedDsn.Rcpt::status)
                    .containsExactlyInAnyOrder(
                            org.assertj.core.groups.Tuple.tuple("rfc822; team@facteur.test", "expanded", "2.0.0"),
                            org.assertj.core.groups.Tuple.tuple("rfc822; carol@other.test", "delivered", "2.0.0"));
        }
    }
}
