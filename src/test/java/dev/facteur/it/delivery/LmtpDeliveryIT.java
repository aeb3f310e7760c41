package dev.facteur.it.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.testing.Dovecot;
import dev.facteur.testing.Patience;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Local mail handed to a real Dovecot over LMTP (RFC 2033), and read back as its users do, over
 * IMAP (Python's imaplib). Dovecot answers once per recipient after the data; Facteur honours
 * each answer on its own.
 */
class LmtpDeliveryIT {

    private static final Dovecot.User ALICE = new Dovecot.User("alice@facteur.test", "alice-secret");
    private static final Dovecot.User BOB = new Dovecot.User("bob@facteur.test", "bob-secret");
    private static final Dovecot.User CAROL = new Dovecot.User("carol@team.test", "carol-secret");

    @TempDir
    Path dir;

    private Dovecot dovecot;

    @BeforeEach
    void startDovecot() throws Exception {
        dovecot = Dovecot.start(dir.resolve("dovecot"), List.of(ALICE, BOB, CAROL));
    }

    @AfterEach
    void stopDovecot() {
        if (dovecot != null) dovecot.close();
    }

    private MailWorld world() throws Exception {
        var lmtp = dovecot.lmtpAddress();
        String target = lmtp.getAddress().getHostAddress() + ":" + lmtp.getPort();
        Files.writeString(dir.resolve("aliases"), "info: alice, bob\n");
        Files.writeString(dir.resolve("transport"), "team.test  lmtp:" + target + "\n");
        return MailWorld.start(dir, List.of(), Map.of(), """
                [local]
                domains = ["facteur.test"]
                users = ["alice", "bob", "ghost"]
                aliases_file = '%s'
                mailbox = "lmtp"
                lmtp = "%s"
                [routing]
                transport_file = '%s'
                """.formatted(dir.resolve("aliases"), target, dir.resolve("transport")));
    }

    private List<String> awaitImap(Dovecot.User user, int n) {
        return Patience.await(user.address() + " has " + n + " over IMAP")
                .until(() -> dovecot.fetchAll(user), l -> l.size() >= n);
    }

    @Test
    void localMailGoesToDovecotAndIsReadOverImap() throws Exception {
        try (var world = world()) {
            String id = world.submit("someone@sender.test", List.of("alice@facteur.test", "info@facteur.test"), "Over LMTP");
            world.awaitGone(id);

            assertThat(awaitImap(ALICE, 1)).singleElement().satisfies(m -> {
                assertThat(m).contains("Subject: Over LMTP");
                assertThat(m).contains("Return-Path: <someone@sender.test>");
                assertThat(m).contains("this is the body of Over LMTP.");
            });
            assertThat(awaitImap(BOB, 1)).singleElement().asString().contains("Subject: Over LMTP");
            world.assertNoDsn("both delivered");
        }
    }

    @Test
    void eachRecipientGetsDovecotsOwnAnswer() throws Exception { // RFC 2033 §4.2
        try (var world = world()) {
            // ghost is a user to Facteur but not to Dovecot: Dovecot refuses it, alice still gets the message
            String id = world.submit("someone@sender.test", List.of("alice@facteur.test", "ghost@facteur.test"), "Half");
            assertThat(awaitImap(ALICE, 1)).hasSize(1);
            var dsn = world.onlyDsn(id);
            assertThat(dsn.recipients()).singleElement().satisfies(r -> {
                assertThat(r.finalRecipient()).isEqualTo("rfc822; ghost@facteur.test");
                assertThat(r.action()).isEqualTo("failed");
                assertThat(r.status()).isEqualTo("5.1.1");
                assertThat(r.diagnosticCode()).startsWith("smtp; 550 5.1.1");
            });
        }
    }

    @Test
    void theTransportMapSendsAnotherDomainToAnLmtpServer() throws Exception {
        try (var world = world()) {
            world.awaitGone(world.submit("someone@sender.test", List.of("carol@team.test"), "Team mail"));
            assertThat(awaitImap(CAROL, 1)).singleElement().asString().contains("Subject: Team mail");
        }
    }

    @Test
    void lmtpWorksOverDovecotsUnixSocketToo() throws Exception {
        Files.writeString(dir.resolve("transport"), "team.test  lmtp:unix:" + dovecot.lmtpSocket() + "\n");
        try (var world = MailWorld.start(dir, List.of(), Map.of(), """
                [local]
                domains = ["facteur.test"]
                users = ["alice", "ghost"]
                mailbox = "lmtp"
                lmtp = "unix:%s"
                [routing]
                transport_file = '%s'
                """.formatted(dovecot.lmtpSocket(), dir.resolve("transport")))) {
            String id = world.submit("someone@sender.test", List.of("alice@facteur.test", "carol@team.test", "ghost@facteur.test"),
                    "Over a unix socket");
            assertThat(awaitImap(ALICE, 1)).singleElement().asString().contains("Subject: Over a unix socket");
            assertThat(awaitImap(CAROL, 1)).hasSize(1);
            assertThat(world.onlyDsn(id).recipients()).singleElement()
                    .satisfies(r -> assertThat(r.status()).isEqualTo("5.1.1"));
        }
    }
}
