package dev.facteur.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.message.Mailbox;
import dev.facteur.message.Recipient;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * At the end of the content the gate may read the message, rewrite it, change its envelope,
 * refuse or discard it: the session stores what the gate leaves, and nothing when it refuses.
 */
class EndOfDataTest {

    /** A gate session that decides at the end of the content as it is told, and keeps what it read. */
    private static final class Reading implements Gate.Session {
        Reply atData;
        Function<Gate.Content, Gate.EndOfData> decide = c -> Gate.EndOfData.PASS;
        final List<String> read = new ArrayList<>();
        boolean reads = true;

        @Override
        public Reply data() {
            return atData;
        }

        @Override
        public boolean readsContent() {
            return reads;
        }

        @Override
        public Gate.EndOfData endOfData(Gate.Content content) throws IOException {
            try (InputStream in = content.open()) {
                read.add(new String(in.readAllBytes(), StandardCharsets.ISO_8859_1));
            }
            return decide.apply(content);
        }

        @Override
        public List<String> headers() {
            return List.of("X-Checked: yes\r\n");
        }

        /** The client's name as reverse DNS confirmed it; null: not looked up. */
        String name;

        @Override
        public String clientName() {
            return name;
        }
    }

    private final SmtpSessionTest.MemorySink sink = new SmtpSessionTest.MemorySink();
    private final Reading gate = new Reading();

    private SmtpSession session() throws Exception {
        var settings = new SmtpSettings("mx.example.test", List.of(), 10_000, 5, 20, 100, 10, Duration.ofMinutes(5), Duration.ofMinutes(10),
                SmtpSessionTest.EXAMPLE_TEST, null, SmtpSettings.Defences.DEFAULT);
        return new SmtpSession(settings, sink, new dev.facteur.message.QueueId.Generator(), Clock.systemUTC(),
                InetAddress.getByName("192.0.2.1"), gate);
    }

    private static SmtpInput wire(String s) {
        return new SmtpInput(new ByteArrayInputStream(s.getBytes(StandardCharsets.US_ASCII)));
    }

    /** A transaction from a@example.org to the recipients, with DATA; the content's reply. */
    private Reply deliver(SmtpSession s, String... recipients) throws Exception {
        s.ehlo("client.example");
        s.mail((Command.Mail) CommandParser.parse("MAIL FROM:<a@example.org>"));
        for (String r : recipients) s.rcpt((Command.Rcpt) CommandParser.parse("RCPT TO:<" + r + ">"));
        Reply go = s.data();
        if (go.code() != 354) return go;
        return s.receiveData(wire("Subject: t\r\n\r\nhi\r\n.\r\n"));
    }

    private static Gate.EndOfData rewritten(Gate.Content c, String prefix) {
        try {
            c.rewrite((current, next) -> {
                next.write(prefix.getBytes(StandardCharsets.US_ASCII));
                current.transferTo(next);
            });
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return Gate.EndOfData.PASS;
    }

    @Test
    void theGateReadsTheContentWithoutOurReceivedFieldButWithItsOwnHeaders() throws Exception {
        assertThat(deliver(session(), "b@example.test").code()).isEqualTo(250);
        assertThat(gate.read).containsExactly("X-Checked: yes\r\nSubject: t\r\n\r\nhi\r\n");
        assertThat(sink.stored.getFirst().content()).startsWith("Received: from client.example").endsWith("X-Checked: yes\r\nSubject: t\r\n\r\nhi\r\n");
    }

    @Test
    void aGateThatDoesNotReadTheContentIsNotAskedAtItsEnd() throws Exception {
        gate.reads = false;
        assertThat(deliver(session(), "b@example.test").code()).isEqualTo(250);
        assertThat(gate.read).isEmpty();
    }

    @Test
    void rewrittenContentIsWhatIsStoredBelowOurReceivedField() throws Exception {
        gate.decide = c -> rewritten(c, "DKIM-Signature: v=1\r\n");
        assertThat(deliver(session(), "b@example.test").code()).isEqualTo(250);
        String stored = sink.stored.getFirst().content();
        assertThat(stored).startsWith("Received: from client.example ([192.0.2.1])\r\n")
                .endsWith("; " + stored.split("; ")[1].split("\r\n")[0] + "\r\nDKIM-Signature: v=1\r\nX-Checked: yes\r\nSubject: t\r\n\r\nhi\r\n");
        assertThat(sink.stored).hasSize(1);
    }

    @Test
    void aRewrittenMessageIsHandedOverWithWhoSentIt() throws Exception { // for the delivery history
        gate.decide = c -> rewritten(c, "DKIM-Signature: v=1\r\n");
        gate.name = "client.example";
        deliver(session(), "b@example.test");
        assertThat(sink.stored).singleElement().satisfies(m -> assertThat(m.origin()).isEqualTo(new MessageSink.Origin("client.example", null)));
    }

    @Test
    void eachRewriteReadsTheOneBefore() throws Exception {
        gate.decide = c -> {
            rewritten(c, "X-First: 1\r\n");
            return rewritten(c, "X-Second: 2\r\n");
        };
        assertThat(deliver(session(), "b@example.test").code()).isEqualTo(250);
        assertThat(sink.stored.getFirst().content()).contains("\r\nX-Second: 2\r\nX-First: 1\r\nX-Checked: yes\r\nSubject: t\r\n");
    }

    @Test
    void aRefusalIsTheReplyAndNothingIsStored() throws Exception {
        Reply spam = new Reply(554, "5.7.1", "Gtube pattern");
        gate.decide = c -> new Gate.EndOfData.Refuse(spam);
        var s = session();
        assertThat(deliver(s, "b@example.test")).isEqualTo(spam);
        assertThat(sink.stored).isEmpty();
        assertThat(s.inTransaction()).isFalse();
    }

    @Test
    void aDiscardedMessageIsAnsweredAsTakenAndNotStored() throws Exception {
        gate.decide = c -> new Gate.EndOfData.Discard("a filter says so");
        assertThat(deliver(session(), "b@example.test").code()).isEqualTo(250);
        assertThat(sink.stored).isEmpty();
    }

    @Test
    void aRefusalAtDataEndsTheTransactionBeforeAnyContent() throws Exception {
        gate.atData = new Reply(451, "4.7.1", "Service unavailable - try again later");
        var s = session();
        assertThat(deliver(s, "b@example.test")).isEqualTo(gate.atData);
        assertThat(s.inTransaction()).isFalse();
        assertThat(gate.read).isEmpty();
    }

    @Test
    void aRefusalAtTheFirstChunkIsGivenAfterTheChunkIsRead() throws Exception {
        gate.atData = new Reply(550, "5.7.1", "Command rejected");
        var s = session();
        s.ehlo("client.example");
        s.mail((Command.Mail) CommandParser.parse("MAIL FROM:<a@example.org>"));
        s.rcpt((Command.Rcpt) CommandParser.parse("RCPT TO:<b@example.test>"));
        SmtpInput in = wire("Subject: t\r\n\r\nhi\r\nNOOP\r\n");
        assertThat(s.bdat(new Command.Bdat(18, true), in)).isEqualTo(gate.atData);
        // the chunk was read to its end, not taken for commands
        assertThat(in.readLine(100)).isInstanceOfSatisfying(SmtpInput.Line.Text.class,
                t -> assertThat(new String(t.bytes(), StandardCharsets.US_ASCII)).isEqualTo("NOOP"));
        assertThat(sink.stored).isEmpty();
    }

    @Test
    void theGateChangesTheSenderAndTheRecipients() throws Exception {
        gate.decide = c -> new Gate.EndOfData.Pass("<new@example.org>",
                List.of(new Gate.EndOfData.AddedRecipient("<c@example.test>", "NOTIFY=NEVER"),
                        new Gate.EndOfData.AddedRecipient("x@example.test", "")),
                List.of("<bob@example.test>"));
        assertThat(deliver(session(), "b@example.test", "bob@example.test").code()).isEqualTo(250);
        var env = sink.stored.getFirst().envelope();
        assertThat(env.sender().toString()).isEqualTo("new@example.org");
        assertThat(env.recipients()).extracting(r -> r.address().toString())
                .containsExactly("b@example.test", "c@example.test", "x@example.test");
        assertThat(env.recipients().get(1).dsnNotify().isNever()).isTrue();
    }

    @Test
    void aRecipientAddedTwiceOrAlreadyThereIsKeptOnceAndGarbageIsIgnored() throws Exception {
        gate.decide = c -> new Gate.EndOfData.Pass("not an address",
                List.of(new Gate.EndOfData.AddedRecipient("<b@example.test>", ""),
                        new Gate.EndOfData.AddedRecipient("<c@example.test>", "BOGUS=1"),
                        new Gate.EndOfData.AddedRecipient("<<>>", "")),
                List.of("<nobody@example.test>"));
        assertThat(deliver(session(), "b@example.test").code()).isEqualTo(250);
        var env = sink.stored.getFirst().envelope();
        assertThat(env.sender().toString()).isEqualTo("a@example.org");
        assertThat(env.recipients()).extracting(Recipient::address).containsExactly(new Mailbox("b", "example.test"));
    }

    @Test
    void aMessageWhoseRecipientsAreAllRemovedIsNotStored() throws Exception {
        gate.decide = c -> new Gate.EndOfData.Pass(null, List.of(), List.of("<b@example.test>"));
        assertThat(deliver(session(), "b@example.test").code()).isEqualTo(250);
        assertThat(sink.stored).isEmpty();
    }
}
