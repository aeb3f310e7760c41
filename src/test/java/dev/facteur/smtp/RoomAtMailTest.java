package dev.facteur.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.message.QueueId;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * MAIL asks the sink whether there is room for the message (the spool keeps a reserve for its
 * own records): no is {@code 452 4.3.1} before any content is sent (RFC 1870 §6.1), and the
 * client may try again in the same session.
 */
class RoomAtMailTest {

    /** A sink whose room comes and goes, and which remembers the sizes asked about. */
    private static final class RoomySink implements MessageSink {
        volatile long room = Long.MAX_VALUE;
        final List<Long> asked = new CopyOnWriteArrayList<>();

        @Override
        public Draft open(QueueId id) throws IOException {
            throw new IOException("no message is sent in these tests");
        }

        @Override
        public boolean hasRoomFor(long size) {
            asked.add(size);
            return size <= room;
        }
    }

    private final RoomySink sink = new RoomySink();

    private SmtpSession session() throws IOException {
        var settings = new SmtpSettings("mx.example.test", List.of(), 10_000_000, 3, 20, 100, 10, Duration.ofMinutes(5),
                Duration.ofMinutes(10), SmtpSessionTest.EXAMPLE_TEST, null,
                SmtpSettings.Defences.DEFAULT);
        var s = new SmtpSession(settings, sink, new QueueId.Generator(), Clock.systemUTC(), InetAddress.getByName("127.0.0.1"));
        s.ehlo("client.example");
        return s;
    }

    private static String codes(Reply r) {
        return r.code() + " " + r.enhanced();
    }

    private static Command.Mail mail(String line) {
        return (Command.Mail) CommandParser.parse("MAIL FROM:" + line);
    }

    @Test
    void noRoomIsInsufficientSystemStorageAtMail() throws IOException { // RFC 1870 §6.1, RFC 3463 X.3.1
        var s = session();
        sink.room = -1;
        assertThat(codes(s.mail(mail("<a@example.org>")))).isEqualTo("452 4.3.1");
        assertThat(codes(s.rcpt((Command.Rcpt) CommandParser.parse("RCPT TO:<b@example.test>")))).as("no transaction")
                .isEqualTo("503 5.5.1");
        sink.room = Long.MAX_VALUE;
        assertThat(codes(s.mail(mail("<a@example.org>")))).as("the same session, once there is room").isEqualTo("250 2.1.0");
    }

    @Test
    void theDeclaredSizeIsWhatMustFit() throws IOException { // RFC 1870 §6.1
        var s = session();
        sink.room = 5000;
        assertThat(codes(s.mail(mail("<a@example.org> SIZE=5001")))).isEqualTo("452 4.3.1");
        assertThat(codes(s.mail(mail("<a@example.org> SIZE=5000")))).isEqualTo("250 2.1.0");
        s.rset();
        assertThat(codes(s.mail(mail("<a@example.org>")))).isEqualTo("250 2.1.0");
        assertThat(sink.asked).containsExactly(5001L, 5000L, 0L);
    }

    @Test
    void aSyntaxErrorIsReportedBeforeTheDiskIsAsked() throws IOException { // the client must fix it, not retry it
        var s = session();
        sink.room = -1;
        assertThat(codes(s.mail(mail("<a@@example.org>")))).isEqualTo("501 5.1.7");
        assertThat(codes(s.mail(mail("<a@example.org> SIZE=lots")))).isEqualTo("501 5.5.4");
        assertThat(codes(s.mail(mail("<a@example.org> SIZE=20000000")))).as("over max_message_size").isEqualTo("552 5.3.4");
        assertThat(sink.asked).isEmpty();
    }
}
