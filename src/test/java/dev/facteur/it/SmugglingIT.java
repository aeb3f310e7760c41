package dev.facteur.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Named.named;

import dev.facteur.server.Facteur;
import dev.facteur.testing.StoredContent;
import dev.facteur.testing.TestConfig;
import dev.facteur.testing.WireClient;
import dev.facteur.testing.WireReply;
import dev.facteur.tls.SelfSigned;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Attacks on the framing of SMTP over a real socket, written byte for byte: SMTP smuggling
 * (end-of-data lookalikes, CVE-2023-51764/51765/51766) and STARTTLS command injection
 * (CVE-2011-0411).
 */
class SmugglingIT {

    @TempDir
    static Path certDir;

    private static SelfSigned.PemFiles pem;

    @TempDir
    Path dir;

    private Facteur facteur;
    private InetSocketAddress server;

    @BeforeAll
    static void certificate() throws IOException {
        pem = SelfSigned.generate(certDir, TestConfig.HOSTNAME);
    }

    @BeforeEach
    void start() throws Exception {
        facteur = TestConfig.in(dir.resolve("data")).tls(pem).start();
        server = facteur.smtpAddresses().getFirst();
    }

    @AfterEach
    void stop() throws IOException {
        facteur.close();
    }

    /** A whole second transaction, hidden in the content if the server ends DATA too early. */
    private static final String SMUGGLED = "MAIL FROM:<evil@x>\r\nRCPT TO:<victim@example.test>\r\nDATA\r\n"
            + "From: evil@x\r\nSubject: smuggled\r\n\r\nspoofed";

    /** RFC 5321 §4.1.1.4: only CR LF "." CR LF ends DATA; each of these must not. */
    static Stream<Named<String>> endOfDataLookalikes() {
        return Stream.of(
                named("LF . LF", "\n.\n"),
                named("CR . CR", "\r.\r"),
                named("CRLF . LF", "\r\n.\n"),
                named("LF . CRLF", "\n.\r\n"),
                named("CR . CRLF", "\r.\r\n"),
                named("CRLF . CR", "\r\n.\r"));
    }

    private WireClient openData() throws IOException {
        WireClient c = WireClient.ready(server, "client.test");
        c.expect(250, c.command("MAIL FROM:<alice@sender.test>"));
        c.expect(250, c.command("RCPT TO:<bob@example.test>"));
        c.expect(354, c.command("DATA"));
        return c;
    }

    /** After the final reply to DATA the next thing the server says must answer our QUIT: nothing else is queued. */
    private static void assertNoFurtherReplies(WireClient c) throws IOException {
        c.send("QUIT\r\n");
        assertThat(c.readToEnd()).matches("221 [^\r\n]*\r\n");
    }

    private void assertNothingQueued() {
        assertThat(facteur.spool().messages())
                .noneMatch(m -> m.envelope().sender().toString().equals("evil@x"))
                .isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("endOfDataLookalikes")
    void endOfDataLookalikeNeitherEndsTheMessageNorSmugglesASecondOne(String lookalike) throws IOException {
        try (WireClient c = openData()) {
            c.send("From: alice@sender.test\r\nSubject: innocent\r\n\r\nhello" + lookalike + SMUGGLED + "\r\n.\r\n");

            WireReply r = c.read();
            // RFC 5321 §2.3.8: the bare CR or LF makes the content unacceptable as a whole.
            assertThat(r.code()).as(r.toString()).isEqualTo(550);
            assertThat(r.text()).startsWith("5.5.2 ");
            assertNoFurtherReplies(c);
        }
        assertNothingQueued();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("endOfDataLookalikes")
    void endOfDataLookalikeSplitAcrossPacketsIsNoDifferent(String lookalike) throws Exception {
        try (WireClient c = openData()) {
            // One byte per TCP segment (no delay, a flush each). How the server's reads cut them is up to
            // the network: SmtpInputTest feeds the decoder every cut there is, this checks the real socket.
            c.send("From: alice@sender.test\r\nSubject: innocent\r\n\r\nhello");
            for (char ch : lookalike.toCharArray()) c.send(String.valueOf(ch));
            c.send(SMUGGLED + "\r\n.\r\n");

            WireReply r = c.read();
            assertThat(r.code()).as(r.toString()).isEqualTo(550);
            assertThat(r.text()).startsWith("5.5.2 ");
            assertNoFurtherReplies(c);
        }
        assertNothingQueued();
    }

    @Test
    void dotStuffedCommandsInCleanContentAreStoredAsText() throws IOException { // RFC 5321 §4.5.2
        String id;
        try (WireClient c = openData()) {
            c.send("Subject: quoting SMTP\r\n\r\nhello\r\n..\r\n" + SMUGGLED + "\r\n.\r\n");

            WireReply r = c.read();
            assertThat(r.code()).as(r.toString()).isEqualTo(250);
            id = r.queueId();
            assertNoFurtherReplies(c);
        }
        assertThat(facteur.spool().messages()).hasSize(1);
        assertThat(StoredContent.afterTraceHeader(StoredContent.text(facteur.spool(), id)))
                .isEqualTo("Subject: quoting SMTP\r\n\r\nhello\r\n.\r\n" + SMUGGLED + "\r\n");
    }

    // ---- Out-of-step input: content read as commands ---------------------------------------

    @Test
    void malformedBdatEndsTheSessionInsteadOfReadingTheChunkAsCommands() throws IOException { // RFC 3030 §2
        // Without a valid size the server cannot know where the chunk ends; as Postfix does, it answers 521
        // and hangs up rather than taking the chunk's bytes for commands.
        String chunk = "RSET\r\n" + SMUGGLED + "\r\n.\r\n";
        try (WireClient c = WireClient.ready(server, "client.test")) {
            c.expect(250, c.command("MAIL FROM:<alice@sender.test>"));
            c.expect(250, c.command("RCPT TO:<bob@example.test>"));
            c.send("BDAT " + chunk.length() + "x LAST\r\n" + chunk);

            WireReply r = c.read();

            assertThat(r.code()).as(r.toString()).isEqualTo(521);
            assertThat(r.text()).startsWith("5.5.4 ");
            assertThat(c.readUntilClosed()).isEmpty();
        }
        assertNothingQueued();
    }

    @Test
    void headerLinesSentAsCommandsEndTheSessionBeforeAnyTransactionInThem() throws IOException {
        // A client out of step (its DATA was refused, it sends the content anyway) must not have the
        // content's lines run as commands: the first header-looking line hangs up, as Postfix does.
        try (WireClient c = WireClient.ready(server, "client.test")) {
            c.send("MAIL FROM:<alice@sender.test>\r\nRCPT TO:<nobody@" + TestConfig.HOSTNAME + ">\r\nDATA\r\n"
                    + "From: alice@sender.test\r\nSubject: innocent\r\n\r\nRSET\r\n" + SMUGGLED + "\r\n.\r\n");
            c.expect(250, c.read());
            c.expect(550, c.read()); // no such user
            c.expect(554, c.read()); // no valid recipients: DATA refused

            WireReply r = c.read();

            assertThat(r.code()).as(r.toString()).isEqualTo(221);
            assertThat(r.text()).startsWith("2.7.0 ");
            assertThat(c.readUntilClosed()).isEmpty();
        }
        assertNothingQueued();
    }

    // ---- CVE-2011-0411: plaintext pipelined behind STARTTLS must not run inside TLS ----------

    @Test
    void commandPipelinedAfterStartTlsIsNotAnsweredOverTls() throws IOException { // RFC 3207 §4.2
        try (WireClient c = WireClient.ready(server, "client.test")) {
            c.send("STARTTLS\r\nRSET\r\n");
            c.expect(220, c.read());
            c.startTls(TestConfig.HOSTNAME);

            WireReply first = c.command("EHLO client.test");

            assertThat(first.code()).as(first.toString()).isEqualTo(250);
            assertThat(first.lines().getFirst()).isEqualTo(TestConfig.HOSTNAME + " greets client.test");
            assertThat(first.lines()).doesNotContain("STARTTLS");
            WireReply second = c.command("NOOP");
            assertThat(second.text()).as("no reply to the injected RSET is queued either").isEqualTo("2.0.0 OK");
        }
    }

    @Test
    void transactionInjectedBeforeTheHandshakeDoesNotExistAfterIt() throws IOException {
        try (WireClient c = WireClient.ready(server, "client.test")) {
            c.send("STARTTLS\r\nMAIL FROM:<evil@x>\r\n");
            c.expect(220, c.read());
            c.startTls(TestConfig.HOSTNAME);
            c.expect(250, c.command("EHLO client.test"));

            WireReply rcpt = c.command("RCPT TO:<victim@example.test>");

            assertThat(rcpt.code()).as(rcpt.toString()).isEqualTo(503); // RFC 5321 §4.1.4: need MAIL first
            assertThat(rcpt.text()).startsWith("5.5.1 ");
            c.command("QUIT");
        }
        assertNothingQueued();
    }
}
