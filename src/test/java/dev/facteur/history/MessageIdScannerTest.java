package dev.facteur.history;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The Message-ID field (RFC 5322 §3.6.4) read from the header as the content streams by, the content untouched. */
class MessageIdScannerTest {

    private static String scan(String message) throws IOException {
        return MessageIdScanner.read(new ByteArrayInputStream(message.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void theFieldIsFoundWhateverTheCaseOfItsName() throws IOException {
        assertThat(scan("Received: from x\r\n\tby y; Mon, 1 Dec 2026 10:00:00 +0000\r\nMessage-ID: <a1@example.com>\r\n\r\nbody\r\n"))
                .isEqualTo("<a1@example.com>");
        assertThat(scan("message-id:<a2@example.com>\r\n\r\n")).isEqualTo("<a2@example.com>");
        assertThat(scan("MESSAGE-ID:   <a3@example.com>  \r\nSubject: x\r\n\r\n")).isEqualTo("<a3@example.com>");
    }

    @Test
    void aFoldedValueIsUnfolded() throws IOException { // RFC 5322 §2.2.3
        assertThat(scan("Message-ID:\r\n <very-long-id@example.com>\r\nSubject: x\r\n\r\n")).isEqualTo("<very-long-id@example.com>");
    }

    @Test
    void theFirstFieldWinsAndTheBodyIsNotRead() throws IOException {
        assertThat(scan("Message-ID: <first@x>\r\nMessage-ID: <second@x>\r\n\r\n")).isEqualTo("<first@x>");
        assertThat(scan("Subject: none\r\n\r\nMessage-ID: <in-the-body@x>\r\n")).isEmpty();
        assertThat(scan("X-Message-ID: <not-it@x>\r\nSubject: y\r\n\r\n")).isEmpty();
    }

    @Test
    void aMessageWithoutHeaderEndOrWithBareLineFeeds() throws IOException {
        assertThat(scan("Subject: x\nMessage-ID: <lf@x>\n\nbody\n")).isEqualTo("<lf@x>");
        assertThat(scan("Message-ID: <unterminated@x>")).as("not a whole line: SMTP content always ends in CRLF").isEmpty();
        assertThat(scan("")).isEmpty();
    }

    @Test
    void aRunawayValueIsCut() throws IOException {
        String id = "<" + "x".repeat(5000) + "@example.com>";
        assertThat(scan("Message-ID: " + id + "\r\n\r\n")).hasSize(MessageIdScanner.MAX_VALUE);
    }

    @Test
    void theContentPassesThroughUntouched() throws IOException {
        byte[] message = "Message-ID: <p@x>\r\nSubject: é\r\n\r\nbody\r\n".getBytes(StandardCharsets.UTF_8);
        var out = new ByteArrayOutputStream();
        try (var scanner = new MessageIdScanner(out)) {
            scanner.write(message, 0, 5);
            scanner.write(message[5]);
            scanner.write(message, 6, message.length - 6);
            assertThat(scanner.messageId()).isEqualTo("<p@x>");
        }
        assertThat(out.toByteArray()).isEqualTo(message);
    }

    /** The slow way: the header unfolded as a whole, then the first field of that name. */
    private static String reference(String message) {
        int end = message.indexOf("\r\n\r\n");
        String header = (end < 0 ? message : message.substring(0, end + 2)).replaceAll("\r\n([ \t])", "$1");
        Matcher m = Pattern.compile("(?im)^message-id:(.*)$").matcher(header.replace("\r\n", "\n"));
        return m.find() ? m.group(1).strip() : "";
    }

    @Test
    void anyCutOfTheContentIntoWritesGivesWhatTheWholeHeaderSays() throws IOException {
        List<String> messages = List.of(
                "Received: from a\r\n\tby b\r\nMessage-ID: <one@x>\r\nSubject: s\r\n\r\nbody\r\n",
                "Subject: s\r\nMessage-Id:\r\n\t<two@x>\r\n  (comment)\r\nFrom: f\r\n\r\nMessage-ID: <no@x>\r\n",
                "From: f\r\nTo: t\r\n\r\nno id here\r\n",
                "DKIM-Signature: v=1; a=rsa-sha256;\r\n b=" + "A".repeat(1500) + "\r\nMessage-ID: <after-a-long-line@x>\r\n\r\n");
        Random random = new Random(20261201);
        for (String message : messages) {
            byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
            String expected = reference(message);
            for (int round = 0; round < 500; round++) {
                var scanner = new MessageIdScanner(OutputStream.nullOutputStream());
                for (int at = 0; at < bytes.length; ) {
                    int n = Math.min(bytes.length - at, 1 + random.nextInt(random.nextBoolean() ? 3 : 64));
                    scanner.write(bytes, at, n);
                    at += n;
                }
                assertThat(scanner.messageId()).as(message).isEqualTo(expected);
            }
        }
    }
}
