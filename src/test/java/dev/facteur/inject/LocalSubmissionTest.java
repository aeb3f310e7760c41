package dev.facteur.inject;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.facteur.inject.LocalSubmission.Outcome;
import dev.facteur.inject.LocalSubmission.Stage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client of the local submission socket, against a server that answers as each test says:
 * what the server takes is reported with its queue id, what it refuses with its reply and where,
 * and a connection that fails is a temporary refusal, never an exception.
 */
class LocalSubmissionTest {

    @TempDir
    Path dir;
    private FakeSubmissionServer server;

    @BeforeEach
    void start() throws IOException {
        server = FakeSubmissionServer.start(dir.resolve("submit.sock"));
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private Outcome send(List<String> to, String content) throws IOException {
        try (var s = LocalSubmission.connect(server.socket(), Duration.ofMinutes(1))) {
            return s.send("app@example.org", to, bytes(content), false);
        }
    }

    @Test
    void theQueueIdComesFromTheFinal250() throws IOException {
        Outcome o = send(List.of("a@example.net", "b@example.net"), "Subject: x\r\n\r\nhi\r\n");
        assertThat(o.refused()).isEmpty();
        assertThat(o.queued()).singleElement().satisfies(q -> {
            assertThat(q.queueId()).isEqualTo("Q1");
            assertThat(q.recipients()).containsExactly("a@example.net", "b@example.net");
        });
        assertThat(server.transactions().getFirst().text()).isEqualTo("Subject: x\r\n\r\nhi\r\n");
        assertThat(server.commands()).startsWith("EHLO localhost").endsWith("QUIT");
    }

    @Test
    void aRefusedRecipientIsReportedAndTheOthersStillGetTheMessage() throws IOException {
        server.rcpt = to -> to.startsWith("gone@") ? "550 5.7.1 <gone@example.net>: suppressed" : "250 2.1.5 Ok";
        Outcome o = send(List.of("a@example.net", "gone@example.net", "b@example.net"), "Subject: x\r\n\r\nhi\r\n");
        assertThat(o.queued()).singleElement().satisfies(q -> assertThat(q.recipients()).containsExactly("a@example.net", "b@example.net"));
        assertThat(o.refused()).singleElement().satisfies(r -> {
            assertThat(r.recipient()).isEqualTo("gone@example.net");
            assertThat(r.reply().text()).isEqualTo("550 5.7.1 <gone@example.net>: suppressed");
            assertThat(r.reply().isTransient()).isFalse();
            assertThat(r.stage()).isEqualTo(Stage.RCPT);
        });
    }

    @Test
    void whenEveryRecipientIsRefusedNoDataIsSentAndTheTransactionIsReset() throws IOException { // RFC 5321 §3.3
        server.rcpt = to -> "450 4.2.0 try later";
        Outcome o = send(List.of("a@example.net"), "Subject: x\r\n\r\nhi\r\n");
        assertThat(o.queued()).isEmpty();
        assertThat(o.refused()).singleElement().satisfies(r -> assertThat(r.reply().isTransient()).isTrue());
        assertThat(server.commands()).doesNotContain("DATA").contains("RSET");
    }

    @Test
    void tooManyRecipientsGoInTheNextTransaction() throws IOException { // RFC 5321 §4.5.3.1.10
        server.maxRecipients = 2;
        Outcome o = send(List.of("a@x.test", "b@x.test", "c@x.test", "d@x.test", "e@x.test"), "Subject: x\r\n\r\nhi\r\n");
        assertThat(o.refused()).isEmpty();
        assertThat(o.queued()).extracting(LocalSubmission.Queued::recipients)
                .containsExactly(List.of("a@x.test", "b@x.test"), List.of("c@x.test", "d@x.test"), List.of("e@x.test"));
        assertThat(o.queued()).extracting(LocalSubmission.Queued::queueId).containsExactly("Q1", "Q2", "Q3");
    }

    @Test
    void aRefusedSenderRefusesEveryRecipientAtMail() throws IOException {
        server.mail = from -> "552 5.3.4 Message size exceeds fixed limit";
        Outcome o = send(List.of("a@x.test", "b@x.test"), "Subject: x\r\n\r\nhi\r\n");
        assertThat(o.queued()).isEmpty();
        assertThat(o.refused()).extracting(LocalSubmission.Refused::stage).containsOnly(Stage.MAIL);
        assertThat(o.refused()).hasSize(2);
    }

    @Test
    void theSizeAnd8BitBodyAreDeclaredAndNonAsciiAddressesAskForSmtpUtf8() throws IOException { // RFC 1870, 6152, 6531
        try (var s = LocalSubmission.connect(server.socket(), Duration.ofMinutes(1))) {
            s.send("app@example.org", List.of("a@x.test"), bytes("Subject: x\r\n\r\nfaç\r\n"), false);
            s.send("app@example.org", List.of("jürgen@bücher.test"), bytes("Subject: x\r\n\r\nhi\r\n"), false);
        }
        assertThat(server.commands()).contains("MAIL FROM:<app@example.org> SIZE=20 BODY=8BITMIME",
                "MAIL FROM:<app@example.org> SIZE=18 SMTPUTF8");
    }

    @Test
    void contentIsDotStuffedAndEndsWithALineEnd() throws IOException { // RFC 5321 §4.5.2
        send(List.of("a@x.test"), "Subject: x\r\n\r\n.\r\n..two\r\nno line end");
        assertThat(server.transactions().getFirst().text()).isEqualTo("Subject: x\r\n\r\n.\r\n..two\r\nno line end\r\n");
    }

    @Test
    void aServerThatRefusesTheConnectionRefusesEveryRecipientAtTheGreeting() throws IOException {
        server.greeting = "554 5.7.1 User nobody may not submit mail here";
        Outcome o = send(List.of("a@x.test"), "Subject: x\r\n\r\nhi\r\n");
        assertThat(o.refused()).singleElement().satisfies(r -> {
            assertThat(r.stage()).isEqualTo(Stage.GREETING);
            assertThat(r.reply().text()).startsWith("554 5.7.1 User nobody");
        });
    }

    @Test
    void aConnectionThatEndsIsATemporaryRefusalOfWhatWasNotQueued() throws IOException {
        server.endOfData = content -> "421 4.3.2 shutting down";
        try (var s = LocalSubmission.connect(server.socket(), Duration.ofMinutes(1))) {
            Outcome first = s.send("app@example.org", List.of("a@x.test"), bytes("Subject: x\r\n\r\nhi\r\n"), false);
            assertThat(first.refused()).singleElement().satisfies(r -> assertThat(r.reply().isTransient()).isTrue());
            Outcome second = s.send("app@example.org", List.of("b@x.test"), bytes("Subject: x\r\n\r\nhi\r\n"), false);
            assertThat(second.refused()).singleElement().satisfies(r -> {
                assertThat(r.recipient()).isEqualTo("b@x.test");
                assertThat(r.reply().text()).isEqualTo("421 4.3.2 shutting down");
            });
        }
    }

    @Test
    void aReplyLineWithoutEndIsRefusedAsALostConnection() throws IOException {
        server.greeting = "220 " + "x".repeat(LocalSubmission.MAX_REPLY_LINE + 10);
        Outcome o = send(List.of("a@x.test"), "Subject: x\r\n\r\nhi\r\n");
        assertThat(o.refused()).singleElement().satisfies(r -> {
            assertThat(r.reply().code()).isEqualTo(421);
            assertThat(r.reply().text()).contains("longer than " + LocalSubmission.MAX_REPLY_LINE);
        });
    }

    @Test
    void aServerThatNeverAnswersTimesOut() throws IOException {
        server.silent = true;
        try (var s = LocalSubmission.connect(server.socket(), Duration.ofMillis(200))) {
            Outcome o = s.send("app@example.org", List.of("a@x.test"), bytes("Subject: x\r\n\r\nhi\r\n"), false);
            assertThat(o.refused()).singleElement().satisfies(r -> {
                assertThat(r.reply().text()).startsWith("421 4.4.2 no reply from the server within");
                assertThat(r.stage()).isEqualTo(Stage.GREETING);
            });
        }
    }

    @Test
    void nothingListeningIsAnIOException() throws IOException {
        server.close();
        assertThatThrownBy(() -> LocalSubmission.connect(dir.resolve("submit.sock"), Duration.ofMinutes(1))).isInstanceOf(IOException.class);
    }

    @Test
    void theQueueIdIsTheWordAfterQueuedAs() {
        assertThat(LocalSubmission.queueId("250 2.0.0 Ok: queued as 1M8G3WJJ50000")).isEqualTo("1M8G3WJJ50000");
        assertThat(LocalSubmission.queueId("250 2.0.0 Ok: queued as ABC (and more)")).isEqualTo("ABC");
        assertThat(LocalSubmission.queueId("250 2.0.0 Ok")).isNull();
    }
}
