package dev.facteur.it.policy;

import static dev.facteur.milter.FakeFilter.packet;
import static dev.facteur.milter.FakeFilter.str;
import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.message.QueueId;
import dev.facteur.milter.DkimCheck;
import dev.facteur.milter.FakeFilter;
import dev.facteur.milter.OpenDkim;
import dev.facteur.milter.Rspamd;
import dev.facteur.server.Facteur;
import dev.facteur.testing.Loopback;
import dev.facteur.testing.StoredContent;
import dev.facteur.testing.TestConfig;
import dev.facteur.testing.WireClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mail filters as an operator runs them behind Facteur: rspamd and OpenDKIM, real and started by
 * the test, and filters that misbehave on purpose. What the client is told, and what is stored.
 */
class MilterIT {

    /** The anti-spam test string every scanner refuses (rspamd's core rule). */
    private static final String GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X";

    @TempDir
    static Path shared;
    private static Rspamd rspamd;
    private static OpenDkim opendkim;
    private static KeyPair key;

    @TempDir
    Path dir;
    private Facteur facteur;

    @BeforeAll
    static void startFilters() throws Exception {
        var generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        key = generator.generateKeyPair();
        Path r = shared.resolve("rspamd");
        Path o = shared.resolve("opendkim");
        java.nio.file.Files.createDirectories(r);
        java.nio.file.Files.createDirectories(o);
        rspamd = Rspamd.start(r);
        opendkim = OpenDkim.start(o, "example.test", "sel", key.getPrivate(), "simple/simple");
    }

    @AfterAll
    static void stopFilters() {
        if (rspamd != null) rspamd.close();
        if (opendkim != null) opendkim.close();
    }

    @AfterEach
    void stop() throws Exception {
        if (facteur != null) facteur.close();
    }

    /** A Facteur for example.test (relaying for 127.0.0.1, as OpenDKIM signs for it) with these filters, in order. */
    private Facteur start(String... milters) throws Exception {
        StringBuilder toml = new StringBuilder("""
                [relay]
                networks = ["127.0.0.1/32"]
                [local]
                domains = ["example.test"]
                users = ["bob", "carol"]
                """);
        for (String m : milters) toml.append("[[policy.milters]]\n").append(m).append('\n');
        facteur = TestConfig.in(dir.resolve("data")).tables(toml.toString()).start();
        return facteur;
    }

    private static String message(String subject, String body) {
        return ("From: Alice <alice@example.test>\r\nTo: Bob <bob@example.test>\r\nSubject: " + subject
                + "\r\nDate: Tue, 01 Dec 2026 10:00:00 +0000\r\nMessage-ID: <" + subject.hashCode() + "@example.test>\r\n\r\n"
                + body + "\r\n");
    }

    /** One transaction from 127.0.0.1; the final reply to the content (or to the first command refused before it). */
    private String send(String from, String to, String message) throws Exception {
        try (WireClient c = WireClient.connectFrom(facteur.smtpAddresses().getFirst(), "127.0.0.1")) {
            c.expect(220, c.read());
            for (String line : List.of("EHLO client.example.test", "MAIL FROM:<" + from + ">", "RCPT TO:<" + to + ">", "DATA")) {
                String r = c.ask(line);
                if (!r.startsWith(line.equals("DATA") ? "354" : "250")) return r;
            }
            c.send(message + ".\r\n");
            return c.reply();
        }
    }

    private String stored(String reply) throws Exception {
        assertThat(reply).startsWith("250 2.0.0 Ok: queued as ");
        return StoredContent.ifQueued(facteur.spool(), QueueId.parse(reply.substring(reply.lastIndexOf(' ') + 1))).orElseThrow();
    }

    private static String quoted(Object address) {
        return "address = \"" + address + "\"";
    }

    @Test
    void rspamdRefusesGtubeAndNothingIsStored() throws Exception {
        start(quoted(rspamd.address()));
        assertThat(send("alice@example.test", "bob@example.test", message("test", GTUBE))).isEqualTo("554 5.7.1 Gtube pattern");
        assertThat(facteur.spool().messages()).isEmpty();
        assertThat(stored(send("alice@example.test", "bob@example.test", message("fine", "Hello Bob.")))).contains("Hello Bob.");
    }

    @Test
    void rspamdsHeaderForLikelySpamIsInTheStoredMessage() throws Exception {
        start(quoted(rspamd.address()));
        String m = stored(send("alice@example.test", "bob@example.test", message(Rspamd.SPAMMY_SUBJECT, "Hello Bob.")));
        assertThat(m).contains("\r\nX-Spam: Yes\r\n");
    }

    @Test
    void openDkimsSignatureIsStoredAtTheTopBelowOurReceivedAndVerifies() throws Exception {
        start(quoted(opendkim.address()));
        String m = stored(send("alice@example.test", "bob@example.test", message("signed", "Hello Bob.")));
        assertThat(m).startsWith("Received: ").contains("\r\nDKIM-Signature: v=1; a=rsa-sha256; c=simple/simple; d=example.test; s=sel;");
        assertThat(m.indexOf("DKIM-Signature")).isLessThan(m.indexOf("From: Alice"));
        assertThat(DkimCheck.verify(m.getBytes(StandardCharsets.ISO_8859_1), key.getPublic())).isEqualTo("pass");
    }

    @Test
    void eachFilterSeesTheMessageAsTheFiltersBeforeItLeftIt() throws Exception {
        try (var after = FakeFilter.start(FakeFilter.continuing(0))) {
            start(quoted(rspamd.address()), quoted(after.address()), quoted(opendkim.address()));
            String m = stored(send("alice@example.test", "bob@example.test", message(Rspamd.SPAMMY_SUBJECT, "Hello Bob.")));
            assertThat(after.received('L')).extracting(p -> p.strings().getFirst()).containsExactly(
                    "From", "To", "Subject", "Date", "Message-ID", "X-Spam"); // rspamd's field, and not our Received
            assertThat(m).contains("X-Spam: Yes").contains("DKIM-Signature:");
            assertThat(DkimCheck.verify(m.getBytes(StandardCharsets.ISO_8859_1), key.getPublic())).isEqualTo("pass");
        }
    }

    @Test
    void aFiltersChangesToTheEnvelopeAndItsQuarantineAreStored() throws Exception {
        try (var filter = FakeFilter.start(FakeFilter.endingWith(
                packet('h', str("X-Filtered"), str("yes")),
                packet('e', str("<bounces@example.test>")),
                packet('+', str("<carol@example.test>")),
                packet('-', str("<bob@example.test>")),
                packet('q', str("looks odd")),
                packet('a')))) {
            start(quoted(filter.address()));
            String reply = send("alice@example.test", "bob@example.test", message("changed", "Hello."));
            String m = stored(reply);
            assertThat(m).contains("\r\nX-Filtered: yes\r\n\r\nHello.");
            var env = facteur.spool().find(QueueId.parse(reply.substring(reply.lastIndexOf(' ') + 1))).orElseThrow().envelope();
            assertThat(env.sender().toString()).isEqualTo("bounces@example.test");
            assertThat(env.recipients()).extracting(r -> r.address().toString()).containsExactly("carol@example.test");
            assertThat(env.schedule().held()).as("quarantined: held in the queue").isTrue();
        }
    }

    @Test
    void aFilterThatDiscardsGetsTheClientA250AndNothingIsStored() throws Exception {
        try (var filter = FakeFilter.start(FakeFilter.endingWith(packet('d')))) {
            start(quoted(filter.address()));
            assertThat(send("alice@example.test", "bob@example.test", message("dropped", "Hello."))).startsWith("250 2.0.0 Ok: queued as ");
            assertThat(facteur.spool().messages()).isEmpty();
        }
    }

    @Test
    void aFilterThatHangsAtTheEndOfTheMessageTempfailsItByDefault() throws Exception {
        try (var filter = FakeFilter.start(FakeFilter.failingAt('E', FakeFilter.HANGS))) {
            start(quoted(filter.address()) + "\ncontent_timeout = \"1s\"");
            assertThat(send("alice@example.test", "bob@example.test", message("waits", "Hello."))).isEqualTo("451 4.7.1 Service unavailable - try again later");
            assertThat(facteur.spool().messages()).as("the client keeps the message: nothing half-taken").isEmpty();
        }
    }

    @Test
    void aFilterThatHangsUpMidMessageIsLeftOutWhenItsDefaultIsAccept() throws Exception {
        try (var filter = FakeFilter.start(FakeFilter.failingAt('B', FakeFilter.HANGS_UP))) {
            start(quoted(filter.address()) + "\ndefault_action = \"accept\"");
            String m = stored(send("alice@example.test", "bob@example.test", message("unfiltered", "Hello.")));
            assertThat(m).contains("Subject: unfiltered").endsWith("\r\n\r\nHello.\r\n");
        }
    }

    @Test
    void aFilterThatAnswersGarbageGetsTheMessageRejectedWhenItsDefaultIsReject() throws Exception {
        try (var filter = FakeFilter.start(FakeFilter.failingAt('M', FakeFilter.TALKS_GARBAGE))) {
            start(quoted(filter.address()) + "\ndefault_action = \"reject\"");
            assertThat(send("alice@example.test", "bob@example.test", message("garbled", "Hello."))).isEqualTo("550 5.7.1 Command rejected");
            assertThat(facteur.spool().messages()).isEmpty();
        }
    }

    @Test
    void aFilterThatIsNotThereTempfailsEveryCommandAfterTheGreeting() throws Exception {
        start(quoted("inet:" + Loopback.host() + ":1"));
        assertThat(send("alice@example.test", "bob@example.test", message("nobody", "Hello."))).isEqualTo("451 4.7.1 Service unavailable - try again later");
        assertThat(facteur.spool().messages()).isEmpty();
    }
}
