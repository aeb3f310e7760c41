package dev.facteur.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.message.QueueId;
import java.io.ByteArrayInputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.List;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;

/** AUTH (RFC 4954) and the submission rules (RFC 6409, RFC 8314): who may send, and when. */
class AuthTest {

    /** Knows one user, alice, whose password is "pw": PLAIN only. */
    private static final Authenticator ALICE = new Authenticator() {
        public List<String> mechanisms(boolean tls) {
            return List.of("PLAIN");
        }

        public Exchange start(String mechanism, InetAddress client, boolean tls) {
            if (!mechanism.equals("PLAIN")) return null;
            return r -> r == null ? new Step.Challenge(new byte[0])
                    : new String(r, StandardCharsets.UTF_8).equals("\0alice\0pw") ? new Step.Success("alice")
                    : new Step.Failure(new Reply(535, "5.7.8", "Authentication credentials invalid"), "wrong password");
        }
    };

    private final SmtpSessionTest.MemorySink sink = new SmtpSessionTest.MemorySink();
    /** Lines the client sends in answer to challenges, and the challenges it got. */
    private final Deque<String> answers = new ArrayDeque<>();
    private final List<String> challenges = new ArrayList<>();

    private SmtpSession session(SmtpSettings.Access access, boolean tls) throws Exception {
        var settings = new SmtpSettings("mx.example.test", List.of(), 10_000, 5, 20, 100, 10, Duration.ofMinutes(5), Duration.ofMinutes(10),
                SmtpSessionTest.EXAMPLE_TEST, SSLContext.getDefault(), SmtpSettings.Defences.DEFAULT, access);
        // a client from outside the relay networks, as submission clients are
        var s = new SmtpSession(settings, sink, new QueueId.Generator(), Clock.systemUTC(), InetAddress.getByName("192.0.2.1"));
        if (tls) s.tlsStarted("TLSv1.3 with cipher TLS_AES_128_GCM_SHA256");
        return s;
    }

    private static final SmtpSettings.Access SUBMISSION = new SmtpSettings.Access(ALICE, true, true, false, false);

    private Reply auth(SmtpSession s, String line) throws Exception {
        return s.auth((Command.Auth) CommandParser.parse(line), challenge -> {
            challenges.add(Base64.getEncoder().encodeToString(challenge));
            return answers.removeFirst();
        });
    }

    private static String plain(String user, String password) {
        return Base64.getEncoder().encodeToString(("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static String codes(Reply r) {
        return r.code() + " " + r.enhanced();
    }

    private static Command.Mail mail(String path) {
        return (Command.Mail) CommandParser.parse("MAIL FROM:" + path);
    }

    private static Command.Rcpt rcpt(String path) {
        return (Command.Rcpt) CommandParser.parse("RCPT TO:" + path);
    }

    @Test
    void authIsOfferedOnlyOnceTlsIsUpWhereTlsIsRequired() throws Exception {
        assertThat(session(SUBMISSION, false).ehlo("c").lines()).noneMatch(l -> l.startsWith("AUTH")).contains("STARTTLS");
        assertThat(session(SUBMISSION, true).ehlo("c").lines()).contains("AUTH PLAIN").doesNotContain("STARTTLS");
        assertThat(session(SmtpSettings.Access.RELAY, true).ehlo("c").lines()).noneMatch(l -> l.startsWith("AUTH"));
    }

    @Test
    void beforeTlsMailAndAuthAreRefused() throws Exception {
        var s = session(SUBMISSION, false);
        s.ehlo("c");
        assertThat(s.mail(mail("<alice@example.test>"))).isEqualTo(new Reply(530, "5.7.0", "Must issue a STARTTLS command first"));
        assertThat(codes(auth(s, "AUTH PLAIN " + plain("alice", "pw")))).isEqualTo("538 5.7.11");
    }

    @Test
    void withoutLoginMailIsRefusedAndAfterItTheClientRelaysAnywhere() throws Exception {
        var s = session(SUBMISSION, true);
        s.ehlo("c");
        assertThat(s.mail(mail("<alice@example.test>"))).isEqualTo(new Reply(530, "5.7.0", "Authentication required"));
        assertThat(codes(auth(s, "AUTH PLAIN " + plain("alice", "pw")))).isEqualTo("235 2.7.0");
        assertThat(codes(s.mail((Command.Mail) CommandParser.parse("MAIL FROM:<alice@example.test> AUTH=<>")))).isEqualTo("250 2.1.0");
        assertThat(codes(s.rcpt(rcpt("<friend@elsewhere.example>")))).as("relay, being logged in").isEqualTo("250 2.1.5");
        s.data();
        assertThat(s.receiveData(new SmtpInput(new ByteArrayInputStream("Subject: t\r\n\r\nhi\r\n.\r\n".getBytes(StandardCharsets.US_ASCII))))
                .code()).isEqualTo(250);
        String stored = sink.stored.getFirst().content();
        assertThat(stored).contains("with ESMTPSA id").doesNotContain("alice"); // RFC 3848; the login stays private by default
    }

    @Test
    void theLoginIsHandedOverWithTheMessageForTheDeliveryHistory() throws Exception {
        var s = session(SUBMISSION, true);
        s.ehlo("c");
        auth(s, "AUTH PLAIN " + plain("alice", "pw"));
        s.mail(mail("<alice@example.test>"));
        s.rcpt(rcpt("<bob@example.test>"));
        s.data();
        s.receiveData(new SmtpInput(new ByteArrayInputStream("Subject: t\r\n\r\nhi\r\n.\r\n".getBytes(StandardCharsets.US_ASCII))));
        s.mail(mail("<alice@example.test>"));
        s.rcpt(rcpt("<bob@example.test>"));
        s.bdat((Command.Bdat) CommandParser.parse("BDAT 18 LAST"), new SmtpInput(new ByteArrayInputStream(
                "Subject: t\r\n\r\nhi\r\n".getBytes(StandardCharsets.US_ASCII))));
        assertThat(sink.stored).hasSize(2).allSatisfy(m -> assertThat(m.origin()).isEqualTo(new MessageSink.Origin(null, "alice")));
    }

    @Test
    void theLoginGoesIntoReceivedWhenConfigured() throws Exception {
        var s = session(new SmtpSettings.Access(ALICE, true, true, false, true), true);
        s.ehlo("c");
        auth(s, "AUTH PLAIN " + plain("alice", "pw"));
        s.mail(mail("<alice@example.test>"));
        s.rcpt(rcpt("<bob@example.test>"));
        s.data();
        s.receiveData(new SmtpInput(new ByteArrayInputStream("Subject: t\r\n\r\nhi\r\n.\r\n".getBytes(StandardCharsets.US_ASCII))));
        assertThat(sink.stored.getFirst().content()).contains("\t(Authenticated sender: alice)\r\n");
    }

    @Test
    void anExchangeGoesThroughChallengesAndCanBeCancelled() throws Exception {
        var s = session(SUBMISSION, true);
        s.ehlo("c");
        answers.add("*");
        assertThat(codes(auth(s, "AUTH PLAIN"))).isEqualTo("501 5.0.0");
        assertThat(challenges).containsExactly(""); // "334 " and nothing: PLAIN's empty challenge
        answers.add("not base64!");
        assertThat(codes(auth(s, "AUTH PLAIN"))).isEqualTo("501 5.5.2");
        answers.add(plain("alice", "pw"));
        assertThat(codes(auth(s, "AUTH PLAIN"))).isEqualTo("235 2.7.0");
    }

    @Test
    void wrongPasswordsUnknownMechanismsAndRepeatsAreRefused() throws Exception {
        var s = session(SUBMISSION, true);
        assertThat(codes(auth(s, "AUTH PLAIN " + plain("alice", "pw")))).as("before EHLO").isEqualTo("503 5.5.1");
        s.ehlo("c");
        assertThat(codes(auth(s, "AUTH PLAIN " + plain("alice", "nope")))).isEqualTo("535 5.7.8");
        assertThat(codes(auth(s, "AUTH CRAM-MD5"))).isEqualTo("504 5.5.4");
        assertThat(codes(auth(s, "AUTH PLAIN ====="))).isEqualTo("501 5.5.2");
        assertThat(codes(auth(s, "AUTH PLAIN " + plain("alice", "pw")))).isEqualTo("235 2.7.0");
        assertThat(codes(auth(s, "AUTH PLAIN " + plain("alice", "pw")))).as("once per session").isEqualTo("503 5.5.1");
        assertThat(CommandParser.parse("AUTH")).isInstanceOf(Command.Invalid.class);
        assertThat(CommandParser.parse("AUTH PLAIN a b")).isInstanceOf(Command.Invalid.class);
    }

    @Test
    void port25OffersNoAuthAndRefusesIt() throws Exception {
        var s = session(SmtpSettings.Access.RELAY, true);
        s.ehlo("c");
        assertThat(codes(auth(s, "AUTH PLAIN " + plain("alice", "pw")))).isEqualTo("503 5.5.1");
        assertThat(codes(s.rcpt(rcpt("<x@elsewhere.example>")))).isEqualTo("503 5.5.1"); // no MAIL yet
        s.mail(mail("<a@elsewhere.example>"));
        assertThat(codes(s.rcpt(rcpt("<x@elsewhere.example>")))).as("no relay for strangers").isEqualTo("554 5.7.1");
    }

    @Test
    void aSubmittedMessageGetsDateAndMessageIdLosesBccAndHasItsBareAddressesQualified() throws Exception { // RFC 6409 §8
        var s = session(SUBMISSION, true);
        s.ehlo("c");
        auth(s, "AUTH PLAIN " + plain("alice", "pw"));
        s.mail(mail("<alice@example.test>"));
        s.rcpt(rcpt("<bob@example.test>"));
        s.data();
        s.receiveData(new SmtpInput(new ByteArrayInputStream(
                "From: alice\r\nTo: Bob <bob>\r\nBcc: carol@example.test\r\nSubject: t\r\n\r\nBcc: in the body stays\r\n.\r\n"
                        .getBytes(StandardCharsets.US_ASCII))));
        var stored = sink.stored.getFirst();
        String content = stored.content();
        String header = content.substring(content.indexOf("\r\nFrom:") + 2, content.indexOf("\r\n\r\n") + 2);
        // the login "alice" has no domain: the server's name qualifies
        assertThat(header).startsWith("From: alice@mx.example.test\r\nTo: Bob <bob@mx.example.test>\r\nSubject: t\r\nDate: ")
                .contains("\r\nMessage-ID: <" + stored.envelope().id() + "@mx.example.test>\r\n").doesNotContain("Bcc");
        assertThat(content).endsWith("\r\n\r\nBcc: in the body stays\r\n");
    }
}
