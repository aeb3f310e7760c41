package dev.facteur.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.message.Mailbox;
import dev.facteur.message.QueueId;
import dev.facteur.message.ReversePath;
import java.io.ByteArrayInputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The SMTP session answers what the gate says, at the stage it says it, and knows no check. */
class GateTest {

    private static final Reply GREYLISTED = new Reply(451, "4.7.1", "Greylisted");
    private static final Reply DROPPED = new Reply(421, "4.7.0", "Too many connections");

    /** A gate session that refuses what it is told to, and records what it was asked. */
    private static final class Scripted implements Gate.Session {
        Reply atConnect, atHelo, atMail, atRcpt;
        List<String> headers = List.of();
        String hold;
        String name;
        final List<String> asked = new ArrayList<>();

        @Override
        public Reply connect() {
            asked.add("connect");
            return atConnect;
        }

        @Override
        public Reply helo(String n) {
            asked.add("helo " + n);
            return atHelo;
        }

        @Override
        public Reply mail(QueueId id, ReversePath sender, long size) {
            asked.add("mail " + sender + " " + size);
            return atMail;
        }

        @Override
        public Reply rcpt(Mailbox recipient) {
            asked.add("rcpt " + recipient);
            return atRcpt;
        }

        @Override
        public List<String> headers() {
            return headers;
        }

        @Override
        public String clientName() {
            return name;
        }

        @Override
        public String hold() {
            return hold;
        }

        @Override
        public void reset() {
            asked.add("reset");
        }
    }

    private final SmtpSessionTest.MemorySink sink = new SmtpSessionTest.MemorySink();
    private final Scripted gate = new Scripted();

    private SmtpSession session() throws Exception {
        var settings = new SmtpSettings("mx.example.test", List.of(), 10_000, 3, 20, 100, 10, Duration.ofMinutes(5), Duration.ofMinutes(10),
                SmtpSessionTest.EXAMPLE_TEST, null, SmtpSettings.Defences.DEFAULT);
        return new SmtpSession(settings, sink, new QueueId.Generator(), Clock.systemUTC(), InetAddress.getByName("192.0.2.1"), gate);
    }

    private static Command.Mail mail(String path) {
        return (Command.Mail) CommandParser.parse("MAIL FROM:" + path + " SIZE=300");
    }

    private static Command.Rcpt rcpt(String path) {
        return (Command.Rcpt) CommandParser.parse("RCPT TO:" + path);
    }

    private Reply deliver(SmtpSession s) throws Exception {
        s.ehlo("client.example");
        s.mail(mail("<a@example.org>"));
        s.rcpt(rcpt("<b@example.test>"));
        s.data();
        return s.receiveData(new SmtpInput(new ByteArrayInputStream("Subject: t\r\n\r\nhi\r\n.\r\n".getBytes(StandardCharsets.US_ASCII))));
    }

    @Test
    void aRefusalAtConnectReplacesTheGreeting() throws Exception {
        gate.atConnect = DROPPED;
        assertThat(session().greeting()).isEqualTo(DROPPED);
    }

    @Test
    void theGateIsAskedAtEachStageWithWhatTheClientSaid() throws Exception {
        var s = session();
        assertThat(s.greeting().code()).isEqualTo(220);
        assertThat(deliver(s).code()).isEqualTo(250);
        assertThat(gate.asked).containsExactly("connect", "helo client.example", "mail a@example.org 300", "rcpt b@example.test", "reset");
    }

    @Test
    void aRefusalAtRcptIsTheReplyAndTheRecipientIsNotTaken() throws Exception {
        gate.atRcpt = GREYLISTED;
        var s = session();
        s.ehlo("client.example");
        s.mail(mail("<a@example.org>"));
        assertThat(s.rcpt(rcpt("<b@example.test>"))).isEqualTo(GREYLISTED);
        assertThat(s.data().code()).as("no valid recipient").isEqualTo(554);
    }

    @Test
    void routingRefusesFirstSoTheGateIsNotAskedAboutMailNobodyWouldTake() throws Exception { // relay denied before greylisting
        gate.atRcpt = GREYLISTED;
        var s = session();
        s.ehlo("client.example");
        s.mail(mail("<a@example.org>"));
        assertThat(s.rcpt(rcpt("<x@elsewhere.example>")).code()).isEqualTo(554);
        assertThat(gate.asked).noneMatch(a -> a.startsWith("rcpt"));
    }

    @Test
    void refusalsAtHeloAndMailAreTheReplies() throws Exception {
        gate.atHelo = DROPPED;
        assertThat(session().ehlo("client.example")).isEqualTo(DROPPED);
        gate.atHelo = null;
        gate.atMail = DROPPED;
        var s = session();
        s.ehlo("client.example");
        assertThat(s.mail(mail("<a@example.org>"))).isEqualTo(DROPPED);
        assertThat(s.inTransaction()).isFalse();
    }

    @Test
    void theGatesHeadersGoBelowOurReceivedAndTheConfirmedNameIntoIt() throws Exception {
        gate.headers = List.of("X-Check: tagged\r\n");
        gate.name = "mta.client.example";
        assertThat(deliver(session()).code()).isEqualTo(250);
        assertThat(sink.stored.getFirst().content()).startsWith("Received: from client.example (mta.client.example [192.0.2.1])\r\n")
                .contains("\r\nX-Check: tagged\r\nSubject: t\r\n");
    }

    @Test
    void aMessageTheGateHoldsIsStoredOnHold() throws Exception { // quarantine, released with `queue release`
        gate.hold = "suspicious";
        assertThat(deliver(session()).code()).isEqualTo(250);
        assertThat(sink.stored.getFirst().envelope().schedule().held()).isTrue();
    }
}
