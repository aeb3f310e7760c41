package dev.facteur.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.facteur.testing.Dovecot.User;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Dovecot fixture: a real LMTP server in, a real IMAP server out, on loopback. */
class DovecotTest {

    static final String ADDRESS = "127.0.0.41";
    static final User ALICE = new User("alice@example.test", "alice-secret");
    static final User BOB = new User("bob@example.test", "bob-secret");

    static final String MESSAGE = """
            From: Sender <sender@example.org>\r
            To: Alice <alice@example.test>\r
            Subject: Hello over LMTP\r
            Message-ID: <dovecot-test-1@example.org>\r
            \r
            Hello Alice,\r
            this came in over LMTP.\r
            """;

    @TempDir Path dir;

    @BeforeAll
    static void dovecotIsInstalled() {
        assumeTrue(Dovecot.isInstalled(), "Dovecot is not installed (Debian packages dovecot-lmtpd, dovecot-imapd)");
    }

    @Test
    void deliversToKnownRecipientsOverLmtpAndServesTheMessageOverImap() throws Exception {
        try (var dovecot = Dovecot.start(dir, ADDRESS, List.of(ALICE, BOB));
                var lmtp = new LmtpClient(dovecot.lmtpAddress())) {
            assertThat(lmtp.reply()).startsWith("220 ");
            assertThat(lmtp.command("LHLO client.test")).startsWith("250-").contains("250 ");
            assertThat(lmtp.command("MAIL FROM:<sender@example.org>")).startsWith("250 ");
            assertThat(lmtp.command("RCPT TO:<alice@example.test>")).startsWith("250 ");
            assertThat(lmtp.command("RCPT TO:<nobody@example.test>")).startsWith("550 5.1.1 "); // no such user
            assertThat(lmtp.command("DATA")).startsWith("354 ");
            lmtp.send(MESSAGE + ".\r\n");
            // RFC 2033 §4.2: after the final dot, one reply per accepted recipient, in RCPT order.
            assertThat(lmtp.reply()).as(dovecot::log).startsWith("250 2.0.0 <alice@example.test>");
            assertThat(lmtp.command("QUIT")).startsWith("221 "); // so no reply for the refused recipient

            try (var delivered = Files.list(dovecot.maildir("alice@example.test").resolve("new"))) {
                assertThat(delivered).hasSize(1);
            }
            assertThat(dovecot.fetchAll(ALICE)).singleElement().satisfies(message -> assertThat(message)
                    .contains("Return-Path: <sender@example.org>\r\n")
                    .contains("Subject: Hello over LMTP\r\n")
                    .endsWith("\r\n\r\nHello Alice,\r\nthis came in over LMTP.\r\n"));
            assertThat(dovecot.fetchAll(BOB)).isEmpty();
        }
    }

    @Test
    void imapRefusesAWrongPassword() throws Exception {
        try (var dovecot = Dovecot.start(dir, ADDRESS, List.of(ALICE))) {
            assertThatThrownBy(() -> dovecot.fetchAll(ALICE.address(), "wrong"))
                    .isInstanceOf(AssertionError.class).hasMessageContaining("LOGIN failed");
        }
    }

    @Test
    void instancesRunSideBySideAndCloseStopsListening(@TempDir Path other) throws Exception {
        InetSocketAddress lmtp;
        InetSocketAddress imap;
        try (var first = Dovecot.start(dir, ADDRESS, List.of(ALICE));
                var second = Dovecot.start(other, ADDRESS, List.of(ALICE))) {
            assertThat(second.lmtpAddress()).isNotIn(first.lmtpAddress(), first.imapAddress());
            assertThat(second.imapAddress()).isNotIn(first.lmtpAddress(), first.imapAddress());
            lmtp = first.lmtpAddress();
            imap = first.imapAddress();
        }
        assertThat(accepts(lmtp)).as("LMTP after close").isFalse();
        assertThat(accepts(imap)).as("IMAP after close").isFalse();
    }

    private static boolean accepts(InetSocketAddress address) {
        try (var socket = new Socket()) {
            socket.connect(address, 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** LMTP by hand: one command line out, one (possibly multi-line) reply in. */
    private static final class LmtpClient implements AutoCloseable {
        private final Socket socket;
        private final BufferedReader in;
        private final OutputStream out;

        LmtpClient(InetSocketAddress server) throws IOException {
            socket = new Socket();
            socket.connect(server, 5000);
            socket.setSoTimeout(10_000);
            in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            out = socket.getOutputStream();
        }

        String command(String line) throws IOException {
            send(line + "\r\n");
            return reply();
        }

        void send(String text) throws IOException {
            out.write(text.getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }

        /** The reply's lines joined with \n; the last one has a space after the code. */
        String reply() throws IOException {
            var reply = new StringBuilder();
            while (true) {
                String line = in.readLine();
                if (line == null) throw new IOException("connection closed after: " + reply);
                reply.append(line);
                if (line.length() < 4 || line.charAt(3) != '-') return reply.toString();
                reply.append('\n');
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
