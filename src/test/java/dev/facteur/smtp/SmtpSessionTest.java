package dev.facteur.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.message.Envelope;
import dev.facteur.message.Notify;
import dev.facteur.message.QueueId;
import dev.facteur.message.Ret;
import dev.facteur.testing.TestConfig;
import java.io.InputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The dialogue of RFC 5321 §4.1 and its extensions, one rule per test. */
class SmtpSessionTest {

    /** Keeps committed messages in memory, with who handed them over. */
    static final class MemorySink implements MessageSink {
        record Stored(Envelope envelope, String content, Origin origin) {}

        final List<Stored> stored = new ArrayList<>();

        @Override
        public Draft open(QueueId id) {
            var buf = new ByteArrayOutputStream();
            return new Draft() {
                public OutputStream content() {
                    return buf;
                }

                public InputStream written() {
                    return new ByteArrayInputStream(buf.toByteArray());
                }

                public void commit(Envelope e) {
                    commit(e, null);
                }

                public void commit(Envelope e, Origin origin) {
                    stored.add(new Stored(e, buf.toString(StandardCharsets.UTF_8), origin));
                }

                public void close() {}
            };
        }
    }

    /**
     * The address rules of a running Facteur (users, relay networks, the postmaster), for
     * example.test with the mailboxes these tests write to, relaying for 127.0.0.0/8.
     */
    static final AddressPolicy EXAMPLE_TEST = TestConfig.in(Path.of("unused")).hostname("mx.example.test").tables("""
            [relay]
            networks = ["127.0.0.0/8"]
            [local]
            domains = ["example.test"]
            users = ["b", "bob", "c", "x", "bérénice", %s]
            """.formatted(IntStream.range(0, 10).mapToObj(i -> "\"r" + i + "\", \"d" + i + "\"").collect(Collectors.joining(", "))))
            .addresses();

    private final MemorySink sink = new MemorySink();
    private final SmtpSettings settings = new SmtpSettings("mx.example.test", List.of(), 10_000, 3, 20, 100, 10,
            Duration.ofMinutes(5), Duration.ofMinutes(10), EXAMPLE_TEST, null, SmtpSettings.Defences.DEFAULT);

    private SmtpSession session(String client) throws IOException {
        return new SmtpSession(settings, sink, new QueueId.Generator(), Clock.systemUTC(), InetAddress.getByName(client));
    }

    private static Command.Mail mail(String line) {
        return (Command.Mail) CommandParser.parse("MAIL FROM:" + line);
    }

    private static Command.Rcpt rcpt(String line) {
        return (Command.Rcpt) CommandParser.parse("RCPT TO:" + line);
    }

    private static SmtpInput wire(String s) {
        return new SmtpInput(new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8)));
    }

    private static String codes(Reply r) {
        return r.code() + " " + r.enhanced();
    }

    @Test
    void ehloAdvertisesTheExtensionsWeImplement() throws IOException {
        Reply r = session("127.0.0.1").ehlo("client.example");
        assertThat(r.code()).isEqualTo(250);
        assertThat(r.lines()).contains("PIPELINING", "SIZE 10000", "8BITMIME", "SMTPUTF8", "CHUNKING", "DSN",
                "ENHANCEDSTATUSCODES").doesNotContain("STARTTLS"); // no certificate configured
    }

    @Test
    void mailBeforeHelloIsABadSequence() throws IOException { // RFC 5321 §4.1.4
        assertThat(codes(session("127.0.0.1").mail(mail("<a@example.org>")))).isEqualTo("503 5.5.1");
    }

    @Test
    void rcptBeforeMailAndDataBeforeRcptAreBadSequences() throws IOException {
        var s = session("127.0.0.1");
        s.ehlo("c");
        assertThat(codes(s.rcpt(rcpt("<b@example.test>")))).isEqualTo("503 5.5.1");
        s.mail(mail("<a@example.org>"));
        assertThat(codes(s.data())).isEqualTo("554 5.5.1");
        assertThat(codes(s.mail(mail("<a@example.org>")))).isEqualTo("503 5.5.1"); // nested MAIL
    }

    @Test
    void aCompleteTransactionIsStoredWithAReceivedHeader() throws IOException { // RFC 5321 §4.4
        var s = session("127.0.0.1");
        s.ehlo("client.example");
        assertThat(codes(s.mail(mail("<a@example.org>")))).isEqualTo("250 2.1.0");
        assertThat(codes(s.rcpt(rcpt("<b@example.test>")))).isEqualTo("250 2.1.5");
        assertThat(s.data().code()).isEqualTo(354);
        Reply done = s.receiveData(wire("Subject: t\r\n\r\nhello\r\n.\r\n"));
        assertThat(done.code()).isEqualTo(250);
        var stored = sink.stored.getFirst();
        assertThat(done.lines().getFirst()).endsWith("queued as " + stored.envelope().id());
        assertThat(stored.content()).startsWith("Received: from client.example ([127.0.0.1])\r\n\tby mx.example.test (Facteur) with ESMTP id "
                + stored.envelope().id() + "\r\n\tfor <b@example.test>; ").endsWith("\r\nSubject: t\r\n\r\nhello\r\n");
        assertThat(s.inTransaction()).isFalse();
    }

    @Test
    void aMessageThatHasTravelledTooManyHopsIsALoop() throws IOException { // RFC 5321 §6.3
        var s = session("127.0.0.1");
        s.ehlo("c");
        s.mail(mail("<a@example.org>"));
        s.rcpt(rcpt("<b@example.test>"));
        s.data();
        String trace = "Received: from a by b; Sat, 28 Nov 2026 06:00:00 +0000\r\n".repeat(HopCounter.MAX_HOPS + 1);
        assertThat(codes(s.receiveData(wire(trace + "Subject: loop\r\n\r\nbody\r\n.\r\n")))).isEqualTo("554 5.4.6");

        // as many in the body, or just enough in the header, is fine
        s.mail(mail("<a@example.org>"));
        s.rcpt(rcpt("<b@example.test>"));
        s.data();
        String fifty = "received: from a by b; Sat, 28 Nov 2026 06:00:00 +0000\r\n".repeat(HopCounter.MAX_HOPS);
        assertThat(codes(s.receiveData(wire(fifty + "Subject: ok\r\n\r\n" + trace + ".\r\n")))).isEqualTo("250 2.0.0");
    }

    @Test
    void theHeloNameCannotBreakTheReceivedHeader() throws IOException { // RFC 5321 §4.4; Postfix neuters these
        var s = session("127.0.0.1");
        assertThat(s.ehlo("x;by(evil)<a@b>\"\\é[1.2.3.4]").lines().getFirst()).isEqualTo("mx.example.test greets x?by?evil??a?b????[1.2.3.4]");
        s.mail(mail("<a@example.org>"));
        s.rcpt(rcpt("<b@example.test>"));
        s.data();
        s.receiveData(wire("Subject: t\r\n\r\nhello\r\n.\r\n"));
        var stored = sink.stored.getFirst();
        assertThat(stored.content()).startsWith("Received: from x?by?evil??a?b????[1.2.3.4] ([127.0.0.1])\r\n");
        assertThat(stored.envelope().client().helo()).isEqualTo("x?by?evil??a?b????[1.2.3.4]");
        assertThat(codes(s.helo("[IPv6:2001:db8::1]"))).isEqualTo("250 ");
        assertThat(s.helo("[IPv6:2001:db8::1]").lines()).containsExactly("mx.example.test");
    }

    @Test
    void everyReplyLineFitsIn512Octets() throws IOException { // RFC 5321 §4.5.3.1.5
        String longName = "a".repeat(2000) + ".example";
        byte[] wireReply = session("127.0.0.1").ehlo(longName).encode();
        assertThat(new String(wireReply, StandardCharsets.UTF_8).split("(?<=\r\n)"))
                .extracting(line -> line.getBytes(StandardCharsets.UTF_8).length).allMatch(octets -> octets <= 512);
        byte[] utf8 = new Reply(550, "5.1.1", "é".repeat(600)).encode();
        assertThat(utf8.length).isLessThanOrEqualTo(512);
        assertThat(new String(utf8, StandardCharsets.UTF_8)).startsWith("550 5.1.1 ééé").endsWith("é\r\n"); // cut between characters
    }

    @Test
    void theBarePostmasterIsARecipientButNoSender() throws IOException { // RFC 5321 §4.1.1.3
        var s = session("192.0.2.1");
        s.ehlo("c");
        assertThat(codes(s.mail(mail("<postmaster>")))).isEqualTo("501 5.1.7");
        assertThat(codes(s.mail(mail("<a@example.org>")))).isEqualTo("250 2.1.0");
        assertThat(codes(s.rcpt(rcpt("<postmaster>")))).isEqualTo("250 2.1.5");
    }

    @Test
    void aQuotedLocalPartThatNeedsNoQuotesIsOneRecipientWithTheUnquotedOne() throws IOException { // RFC 5322 §3.2.4
        var s = session("127.0.0.1");
        s.ehlo("c");
        s.mail(mail("<\"alice\"@example.org>"));
        assertThat(codes(s.rcpt(rcpt("<bob@example.test>")))).isEqualTo("250 2.1.5");
        assertThat(codes(s.rcpt(rcpt("<\"bob\"@example.test>")))).isEqualTo("250 2.1.5");
        s.data();
        s.receiveData(wire("x\r\n.\r\n"));
        Envelope e = sink.stored.getFirst().envelope();
        assertThat(e.sender().toString()).isEqualTo("alice@example.org");
        assertThat(e.recipients()).extracting(r -> r.address().toString()).containsExactly("bob@example.test");
    }

    @Test
    void relayingIsRefusedOutsideTheRelayNetworks() throws IOException { // the open-relay rule
        var s = session("192.0.2.1");
        s.ehlo("c");
        s.mail(mail("<a@example.org>"));
        assertThat(codes(s.rcpt(rcpt("<x@elsewhere.example>")))).isEqualTo("554 5.7.1");
        assertThat(codes(s.rcpt(rcpt("<x@EXAMPLE.test>")))).isEqualTo("250 2.1.5");
        assertThat(codes(s.rcpt(rcpt("<Postmaster>")))).isEqualTo("250 2.1.5"); // RFC 5321 §4.5.1
    }

    @Test
    void relayingIsAllowedFromTheRelayNetworks() throws IOException {
        var s = session("127.0.0.9");
        s.ehlo("c");
        s.mail(mail("<a@example.org>"));
        assertThat(codes(s.rcpt(rcpt("<x@elsewhere.example>")))).isEqualTo("250 2.1.5");
    }

    @Test
    void tooManyRecipientsIsATemporaryError() throws IOException { // RFC 5321 §4.5.3.1.10
        var s = session("127.0.0.1");
        s.ehlo("c");
        s.mail(mail("<a@example.org>"));
        for (int i = 0; i < 3; i++) s.rcpt(rcpt("<r" + i + "@example.test>"));
        assertThat(codes(s.rcpt(rcpt("<r9@example.test>")))).isEqualTo("452 4.5.3");
    }

    @Test
    void declaredSizeOverTheLimitIsRefusedAtMail() throws IOException { // RFC 1870 §6.1
        var s = session("127.0.0.1");
        s.ehlo("c");
        assertThat(codes(s.mail(mail("<a@example.org> SIZE=10001")))).isEqualTo("552 5.3.4");
        assertThat(codes(s.mail(mail("<a@example.org> SIZE=10000")))).isEqualTo("250 2.1.0");
    }

    @Test
    void contentOverTheLimitIsRefusedAfterData() throws IOException {
        var s = session("127.0.0.1");
        s.ehlo("c");
        s.mail(mail("<a@example.org>"));
        s.rcpt(rcpt("<b@example.test>"));
        s.data();
        assertThat(codes(s.receiveData(wire("x".repeat(20_000) + "\r\n.\r\n")))).isEqualTo("552 5.3.4");
        assertThat(sink.stored).isEmpty();
    }

    @Test
    void bareLineFeedContentIsRefused() throws IOException { // RFC 5321 §2.3.8
        var s = session("127.0.0.1");
        s.ehlo("c");
        s.mail(mail("<a@example.org>"));
        s.rcpt(rcpt("<b@example.test>"));
        s.data();
        assertThat(codes(s.receiveData(wire("a\n.\nb\r\n.\r\n")))).isEqualTo("550 5.5.2");
        assertThat(sink.stored).isEmpty();
    }

    @Test
    void unknownAndMalformedParametersAreRefused() throws IOException { // RFC 5321 §4.1.1.11
        var s = session("127.0.0.1");
        s.ehlo("c");
        assertThat(codes(s.mail(mail("<a@example.org> FOO=BAR")))).isEqualTo("555 5.5.4");
        assertThat(codes(s.mail(mail("<a@example.org> BODY=9BIT")))).isEqualTo("501 5.5.4");
        assertThat(codes(s.mail(mail("<a@example.org> RET=ALL")))).isEqualTo("501 5.5.4");
        assertThat(codes(s.mail(mail("<a@example.org> ENVID=a=b")))).isEqualTo("501 5.5.4");
        s.mail(mail("<a@example.org>"));
        assertThat(codes(s.rcpt(rcpt("<b@example.test> NOTIFY=NEVER,SUCCESS")))).isEqualTo("501 5.5.4");
        assertThat(codes(s.rcpt(rcpt("<b@example.test> ORCPT=nosemicolon")))).isEqualTo("501 5.5.4");
    }

    @Test
    void dsnParametersAreKeptWithTheEnvelope() throws IOException { // RFC 3461
        var s = session("127.0.0.1");
        s.ehlo("c");
        s.mail(mail("<a@example.org> RET=HDRS ENVID=abc+2B1 BODY=8BITMIME"));
        s.rcpt(rcpt("<b@example.test> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;b+40example.test"));
        s.data();
        s.receiveData(wire("x\r\n.\r\n"));
        Envelope e = sink.stored.getFirst().envelope();
        assertThat(e.ret()).isEqualTo(Ret.HDRS);
        assertThat(e.envid()).isEqualTo("abc+2B1");
        assertThat(e.recipients().getFirst().dsnNotify().wants(Notify.Condition.SUCCESS)).isTrue();
        assertThat(e.recipients().getFirst().dsnNotify().wants(Notify.Condition.FAILURE)).isFalse();
        assertThat(e.recipients().getFirst().orcpt()).isEqualTo("rfc822;b+40example.test");
    }

    /** A session whose client has completed STARTTLS (the handshake itself is SmtpConnection's). */
    private SmtpSession overTls(String client) throws IOException {
        var s = session(client);
        s.tlsStarted("TLSv1.3 with cipher TLS_AES_256_GCM_SHA384");
        return s;
    }

    @Test
    void requireTlsIsOfferedOnlyOnceTheSessionIsUnderTls() throws IOException { // RFC 8689 §2: in "the subsequent EHLO response"
        assertThat(session("127.0.0.1").ehlo("c").lines()).doesNotContain("REQUIRETLS");
        assertThat(overTls("127.0.0.1").ehlo("c").lines()).contains("REQUIRETLS");
    }

    @Test
    void requireTlsInAPlainSessionIsRefused() throws IOException { // RFC 8689 §2: "The session itself MUST employ TLS"
        var s = session("127.0.0.1");
        s.ehlo("c");
        assertThat(s.mail(mail("<a@example.org> REQUIRETLS"))).isEqualTo(new Reply(530, "5.7.10",
                "REQUIRETLS needs a TLS session: issue STARTTLS first"));
        assertThat(s.inTransaction()).isFalse();
    }

    /** The reply to a MAIL line as the connection gives it: the parser's refusal, or the session's. */
    private static Reply mailLine(SmtpSession s, String line) {
        return switch (CommandParser.parse("MAIL FROM:" + line)) {
            case Command.Invalid invalid -> invalid.reply();
            case Command.Mail m -> s.mail(m);
            case Command other -> throw new AssertionError("not a MAIL: " + other);
        };
    }

    @Test
    void requireTlsTakesNoValueAndComesOnce() throws IOException { // RFC 8689 §2: no esmtp-value; RFC 5321 §4.1.2
        var s = overTls("127.0.0.1");
        s.ehlo("c");
        assertThat(codes(mailLine(s, "<a@example.org> REQUIRETLS=YES"))).isEqualTo("501 5.5.4");
        assertThat(codes(mailLine(s, "<a@example.org> REQUIRETLS="))).isEqualTo("501 5.5.4");
        assertThat(codes(mailLine(s, "<a@example.org> REQUIRETLS SIZE=10 REQUIRETLS"))).isEqualTo("501 5.5.4");
        assertThat(s.inTransaction()).isFalse();
        assertThat(codes(mailLine(s, "<a@example.org> REQUIRETLS"))).isEqualTo("250 2.1.0");
    }

    @Test
    void aMessageSentWithRequireTlsIsTaggedSo() throws IOException { // RFC 8689 §4.1: the server "MUST tag that message"
        var s = overTls("127.0.0.1");
        s.ehlo("c");
        assertThat(codes(s.mail(mail("<a@example.org> requiretls BODY=8BITMIME")))).isEqualTo("250 2.1.0");
        s.rcpt(rcpt("<b@example.test>"));
        s.data();
        s.receiveData(wire("x\r\n.\r\n"));
        s.mail(mail("<a@example.org>"));
        s.rcpt(rcpt("<b@example.test>"));
        s.data();
        s.receiveData(wire("y\r\n.\r\n"));
        assertThat(sink.stored).extracting(m -> m.envelope().requireTls()).containsExactly(true, false);
    }

    @Test
    void utf8AddressesNeedTheSmtpUtf8Parameter() throws IOException { // RFC 6531 §3.5
        var s = session("127.0.0.1");
        s.ehlo("c");
        assertThat(codes(s.mail(mail("<élodie@example.org>")))).isEqualTo("553 5.6.7");
        assertThat(codes(s.mail(mail("<élodie@example.org> SMTPUTF8")))).isEqualTo("250 2.1.0");
        assertThat(codes(s.rcpt(rcpt("<bérénice@example.test>")))).isEqualTo("250 2.1.5");
    }

    @Test
    void heloClientsGetNoExtensions() throws IOException { // RFC 5321 §4.1.1.1
        var s = session("127.0.0.1");
        s.helo("old.example");
        assertThat(codes(s.mail(mail("<a@example.org> SIZE=10")))).isEqualTo("501 5.5.4");
        assertThat(codes(s.bdat(new Command.Bdat(0, true), wire("")))).isEqualTo("503 5.5.1");
    }

    @Test
    void bdatChunksMakeOneMessage() throws IOException { // RFC 3030
        var s = session("127.0.0.1");
        s.ehlo("c");
        s.mail(mail("<a@example.org>"));
        s.rcpt(rcpt("<b@example.test>"));
        assertThat(codes(s.bdat(new Command.Bdat(7, false), wire("Subj: x")))).isEqualTo("250 2.0.0");
        assertThat(s.data()).isEqualTo(Replies.DATA_AFTER_BDAT);
        assertThat(s.bdat(new Command.Bdat(8, true), wire("\r\n\r\nhi\r\n")).code()).isEqualTo(250);
        assertThat(sink.stored.getFirst().content()).endsWith("Subj: x\r\n\r\nhi\r\n");
    }

    @Test
    void bdatWithoutRecipientsIsReadAndRefused() throws IOException {
        var s = session("127.0.0.1");
        s.ehlo("c");
        SmtpInput in = wire("12345NOOP\r\n");
        assertThat(codes(s.bdat(new Command.Bdat(5, true), in))).isEqualTo("503 5.5.1");
        assertThat(new String(((SmtpInput.Line.Text) in.readLine(100)).bytes())).isEqualTo("NOOP");
    }

    @Test
    void rsetEndsTheTransaction() throws IOException { // RFC 5321 §4.1.1.5
        var s = session("127.0.0.1");
        s.ehlo("c");
        s.mail(mail("<a@example.org>"));
        assertThat(codes(s.rset())).isEqualTo("250 2.0.0");
        assertThat(s.inTransaction()).isFalse();
    }

    @Test
    void vrfyDisclosesNothing() throws IOException { // RFC 5321 §3.5.3
        assertThat(codes(session("127.0.0.1").vrfy())).isEqualTo("252 2.5.2");
    }

    @Test
    void startTlsWithoutACertificateIsNotAvailable() throws IOException { // RFC 3207 §4
        var s = session("127.0.0.1");
        s.ehlo("c");
        assertThat(codes(s.startTls())).isEqualTo("454 4.7.0");
    }

    @Test
    void repliesAreEncodedAsMultilineWithEnhancedCodes() { // RFC 5321 §4.2.1, RFC 2034
        assertThat(new String(new Reply(250, "", List.of("a", "b")).encode())).isEqualTo("250-a\r\n250 b\r\n");
        assertThat(new String(Replies.RELAY_DENIED.encode())).isEqualTo("554 5.7.1 Relay access denied\r\n");
    }

    @Test
    void anAliasMembersOrcptNamesTheAddressTheClientGaveInXtext() { // RFC 3461 §4.2, RFC 6533 §3
        assertThat(EsmtpParameters.orcptOf(new dev.facteur.message.Mailbox("info+x=y", "example.test")))
                .isEqualTo("rfc822;info+2Bx+3Dy@example.test");
        assertThat(EsmtpParameters.orcptOf(new dev.facteur.message.Mailbox("josé+news", "example.test")))
                .isEqualTo("utf-8;josé\\x{2B}news@example.test");
    }
}
