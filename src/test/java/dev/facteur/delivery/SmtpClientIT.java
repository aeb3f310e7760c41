package dev.facteur.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.message.Body;
import dev.facteur.message.ClientInfo;
import dev.facteur.message.Envelope;
import dev.facteur.message.Mailbox;
import dev.facteur.message.Notify;
import dev.facteur.message.QueueId;
import dev.facteur.message.Recipient;
import dev.facteur.message.Ret;
import dev.facteur.message.ReversePath;
import dev.facteur.server.Facteur;
import dev.facteur.spool.StoredMessage;
import dev.facteur.testing.Loopback;
import dev.facteur.testing.Patience;
import dev.facteur.testing.SmtpSink;
import dev.facteur.testing.TestConfig;
import dev.facteur.tls.SelfSigned;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The SMTP client against real servers: Facteur's own receiver and Postfix's smtp-sink. */
class SmtpClientIT {

    @TempDir
    Path dir;

    private static final String BODY = "Subject: test\r\n\r\nline one\r\n.starts with a dot\r\n..two dots\r\nlast\r\n";

    private static Recipient rcpt(String address) {
        int at = address.indexOf('@');
        return Recipient.pending(new Mailbox(address.substring(0, at), address.substring(at + 1)), Notify.DEFAULT, null);
    }

    private static OutgoingMessage message(Body body, boolean utf8, String content, Recipient... rcpts) {
        var env = new Envelope(new QueueId.Generator().next(), Instant.now(), ReversePath.of(new Mailbox("sender", "example.org")),
                List.of(rcpts), -1, body, utf8, null, null, new ClientInfo("127.0.0.1", "c", "ESMTP", ""));
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        return new OutgoingMessage(env, List.of(rcpts), bytes.length, () -> new ByteArrayInputStream(bytes));
    }

    private static ClientSettings settings(SSLContext tls) {
        var d = ClientSettings.rfcDefaults("client.facteur.test", tls);
        var patient = Patience.EVENT;
        return new ClientSettings(d.heloName(), patient, patient, patient, patient, patient, patient, tls);
    }

    /** A Facteur receiver for example.test that relays for nobody (a host of its own does: no client is it). */
    private Facteur receiver() throws Exception {
        return receiver(TestConfig.in(dir.resolve("peer")));
    }

    private Facteur receiver(TestConfig config) throws Exception {
        return config.hostname("peer.example.test").listen(Loopback.host() + ":0").smtp("max_message_size = \"1MB\"").tables("""
                [relay]
                networks = ["%s/32"]
                [local]
                domains = ["example.test"]
                users = ["a", "b", "c", "élodie"]
                """.formatted(Loopback.host())).start();
    }

    private static String content(Facteur f, StoredMessage m) throws IOException {
        try (InputStream in = f.spool().openContent(m.envelope().id())) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void aMessageIsDeliveredIntactThroughDotStuffing() throws Exception { // RFC 5321 §4.5.2
        try (Facteur peer = receiver()) {
            try (SmtpClient c = SmtpClient.connect(peer.smtpAddresses().getFirst(), "peer.example.test", settings(null))) {
                assertThat(c.greeting().code()).isEqualTo(220);
                assertThat(c.hello().code()).isEqualTo(250);
                assertThat(c.offers("PIPELINING")).isTrue();
                assertThat(c.sizeLimit()).hasValue(1024 * 1024);
                List<Outcome> out = c.send(message(Body.SEVEN_BIT, false, BODY, rcpt("a@example.test"), rcpt("b@example.test"))).outcomes();
                assertThat(out).allSatisfy(o -> assertThat(o).isInstanceOf(Outcome.Delivered.class));
                c.quit();
            }
            StoredMessage m = peer.spool().messages().getFirst();
            assertThat(content(peer, m)).endsWith("\r\n" + BODY);
            assertThat(m.envelope().recipients()).extracting(r -> r.address().toString())
                    .containsExactly("a@example.test", "b@example.test");
        }
    }

    @Test
    void dotsAtLineStartsAreStuffedAcrossReadBoundaries() throws Exception { // RFC 5321 §4.5.2
        var random = new java.util.Random(4552);
        var body = new StringBuilder("Subject: dots\r\n\r\n");
        while (body.length() < 300_000) {
            int len = random.nextInt(120);
            if (random.nextInt(3) == 0) body.append(random.nextBoolean() ? "." : "..");
            for (int i = 0; i < len; i++) body.append(random.nextInt(10) == 0 ? '.' : 'x');
            body.append("\r\n");
        }
        body.append(".\r\n.");  // a lone-dot line inside, and a last line without CRLF
        try (Facteur peer = receiver()) {
            try (SmtpClient c = SmtpClient.connect(peer.smtpAddresses().getFirst(), "peer.example.test", settings(null))) {
                c.greeting();
                c.hello();
                assertThat(c.send(message(Body.SEVEN_BIT, false, body.toString(), rcpt("a@example.test"))).outcomes())
                        .singleElement().isInstanceOf(Outcome.Delivered.class);
                c.quit();
            }
            assertThat(content(peer, peer.spool().messages().getFirst())).endsWith("\r\n" + body + "\r\n");
        }
    }

    @Test
    void eachRecipientGetsItsOwnOutcome() throws Exception {
        try (Facteur peer = receiver()) {
            try (SmtpClient c = SmtpClient.connect(peer.smtpAddresses().getFirst(), "peer", settings(null))) {
                c.hello();
                List<Outcome> out = c.send(message(Body.SEVEN_BIT, false, BODY,
                        rcpt("a@example.test"), rcpt("x@elsewhere.example"), rcpt("b@example.test"))).outcomes();
                assertThat(out.get(0)).isInstanceOf(Outcome.Delivered.class);
                assertThat(out.get(1)).isInstanceOf(Outcome.Failed.class);
                assertThat(out.get(1).reply().enhanced()).isEqualTo("5.7.1");
                assertThat(out.get(2)).isInstanceOf(Outcome.Delivered.class);
                // the connection is still good for another message
                assertThat(c.send(message(Body.SEVEN_BIT, false, BODY, rcpt("c@example.test"))).outcomes().getFirst())
                        .isInstanceOf(Outcome.Delivered.class);
            }
            assertThat(peer.spool().messages()).hasSize(2);
        }
    }

    @Test
    void aMessageOverTheServersSizeIsNotSent() throws Exception { // RFC 1870
        try (Facteur peer = receiver()) {
            try (SmtpClient c = SmtpClient.connect(peer.smtpAddresses().getFirst(), "peer", settings(null))) {
                c.hello();
                Outcome o = c.send(message(Body.SEVEN_BIT, false, "x".repeat(2 * 1024 * 1024) + "\r\n", rcpt("a@example.test"))).outcomes()
                        .getFirst();
                assertThat(o).isInstanceOf(Outcome.Failed.class);
                assertThat(o.reply().enhanced()).isEqualTo("5.3.4");
            }
            assertThat(peer.spool().messages()).isEmpty();
        }
    }

    @Test
    void startTlsIsUsedWhenOffered() throws Exception { // RFC 3207, opportunistic
        var pem = SelfSigned.generate(dir.resolve("tls"), "peer.example.test");
        try (Facteur peer = receiver(TestConfig.in(dir.resolve("peer")).tls(pem))) {
            try (SmtpClient c = SmtpClient.connect(peer.smtpAddresses().getFirst(), "peer.example.test",
                    settings(OpportunisticTls.context()))) {
                c.hello();
                assertThat(c.tls()).startsWith("TLSv1.3");
                assertThat(c.offers("STARTTLS")).isFalse(); // EHLO again after TLS
                assertThat(c.send(message(Body.SEVEN_BIT, false, BODY, rcpt("a@example.test"))).outcomes().getFirst())
                        .isInstanceOf(Outcome.Delivered.class);
            }
            assertThat(content(peer, peer.spool().messages().getFirst())).contains("with ESMTPS");
        }
    }

    @Test
    void aRequireTlsMessageArrivesTaggedAtAFacteurUnderTls() throws Exception { // RFC 8689 §2, §4.1
        var pem = SelfSigned.generate(dir.resolve("tls"), "peer.example.test");
        OutgoingMessage tagged = message(Body.SEVEN_BIT, false, BODY, rcpt("a@example.test"));
        tagged = new OutgoingMessage(tagged.envelope().withRequireTls(true), tagged.recipients(), tagged.size(), tagged.content());
        try (Facteur peer = receiver(TestConfig.in(dir.resolve("peer")).tls(pem))) {
            try (SmtpClient c = SmtpClient.connect(peer.smtpAddresses().getFirst(), "peer.example.test",
                    settings(OpportunisticTls.context()))) {
                c.hello();
                assertThat(c.offers("REQUIRETLS")).as("offered after STARTTLS").isTrue();
                assertThat(c.send(tagged).outcomes().getFirst()).isInstanceOf(Outcome.Delivered.class);
            }
            assertThat(peer.spool().messages()).singleElement().satisfies(m -> assertThat(m.envelope().requireTls()).isTrue());
        }
    }

    @Test
    void utf8AddressesGoOnlyToServersWithSmtpUtf8() throws Exception { // RFC 6531 §3.5
        Recipient utf8 = rcpt("élodie@example.test");
        try (Facteur peer = receiver()) {
            try (SmtpClient c = SmtpClient.connect(peer.smtpAddresses().getFirst(), "peer", settings(null))) {
                c.hello();
                assertThat(c.send(message(Body.EIGHT_BIT_MIME, true, BODY, utf8)).outcomes().getFirst()).isInstanceOf(Outcome.Delivered.class);
            }
        }
        try (SmtpSink sink = SmtpSink.start(); SmtpClient c = SmtpClient.connect(sink.address(), "sink", settings(null))) {
            c.hello();
            Outcome o = c.send(message(Body.EIGHT_BIT_MIME, true, BODY, utf8)).outcomes().getFirst();
            assertThat(o).isInstanceOf(Outcome.Failed.class);
            assertThat(o.reply().enhanced()).isEqualTo("5.6.7");
        }
    }

    @Test
    void eightBitContentNeedsEightBitMime() throws Exception { // RFC 6152
        try (SmtpSink sink = SmtpSink.start("-8"); SmtpClient c = SmtpClient.connect(sink.address(), "sink", settings(null))) {
            c.hello();
            Outcome o = c.send(message(Body.EIGHT_BIT_MIME, false, "Subject: é\r\n\r\nçà\r\n", rcpt("a@example.org"))).outcomes().getFirst();
            assertThat(o.reply().enhanced()).isEqualTo("5.6.3");
            assertThat(c.send(message(Body.SEVEN_BIT, false, BODY, rcpt("a@example.org"))).outcomes().getFirst())
                    .isInstanceOf(Outcome.Delivered.class);
        }
    }

    @Test
    void serversWithoutEsmtpOrPipeliningStillGetTheMail() throws Exception { // RFC 5321 §3.2 HELO fallback
        for (String opt : List.of("-e", "-p")) {
            try (SmtpSink sink = SmtpSink.start(opt)) {
                try (SmtpClient c = SmtpClient.connect(sink.address(), "sink", settings(null))) {
                    assertThat(c.hello().code()).isEqualTo(250);
                    assertThat(c.send(message(Body.SEVEN_BIT, false, BODY, rcpt("a@example.org"), rcpt("b@example.org"))).outcomes())
                            .allSatisfy(o -> assertThat(o).isInstanceOf(Outcome.Delivered.class));
                    c.quit();
                }
                assertThat(sink.messages()).singleElement().asString().contains("line one\n.starts with a dot\n..two dots");
            }
        }
    }

    @Test
    void dsnParametersArePassedOn() throws Exception { // RFC 3461
        try (SmtpSink sink = SmtpSink.start()) {
            var env = new Envelope(new QueueId.Generator().next(), Instant.now(), ReversePath.of(new Mailbox("s", "example.org")),
                    List.of(), -1, Body.SEVEN_BIT, false, Ret.HDRS, "id+2B1", new ClientInfo("127.0.0.1", "c", "ESMTP", ""));
            Recipient r = new Recipient(new Mailbox("a", "example.org"), new Notify(EnumSet.of(Notify.Condition.SUCCESS), true),
                    "rfc822;a@example.org", Recipient.State.PENDING);
            byte[] bytes = BODY.getBytes(StandardCharsets.US_ASCII);
            try (SmtpClient c = SmtpClient.connect(sink.address(), "sink", settings(null))) {
                c.hello();
                assertThat(c.send(new OutgoingMessage(env.withRecipients(List.of(r)), List.of(r), bytes.length,
                        () -> new ByteArrayInputStream(bytes))).outcomes()).singleElement().isInstanceOf(Outcome.Delivered.class);
            }
            assertThat(sink.messages()).singleElement().asString()
                    .contains("RET=HDRS").contains("ENVID=id+2B1").contains("NOTIFY=SUCCESS").contains("ORCPT=rfc822;a@example.org");
        }
    }

    @Test
    void temporaryAndPermanentRefusalsAreTold() throws Exception {
        try (SmtpSink sink = SmtpSink.start("-r", "rcpt"); SmtpClient c = SmtpClient.connect(sink.address(), "sink", settings(null))) {
            c.hello();
            assertThat(c.send(message(Body.SEVEN_BIT, false, BODY, rcpt("a@example.org"))).outcomes().getFirst()).isInstanceOf(Outcome.Deferred.class);
        }
        try (SmtpSink sink = SmtpSink.start("-f", "mail"); SmtpClient c = SmtpClient.connect(sink.address(), "sink", settings(null))) {
            c.hello();
            assertThat(c.send(message(Body.SEVEN_BIT, false, BODY, rcpt("a@example.org"), rcpt("b@example.org"))).outcomes())
                    .allSatisfy(o -> assertThat(o).isInstanceOf(Outcome.Failed.class));
        }
    }

    @Test
    void aConnectionDroppedAfterTheDotIsNotADelivery() throws Exception { // no 250, so the caller retries
        try (SmtpSink sink = SmtpSink.start("-q", "."); SmtpClient c = SmtpClient.connect(sink.address(), "sink", settings(null))) {
            c.hello();
            Sent sent = c.send(message(Body.SEVEN_BIT, false, BODY, rcpt("a@example.org")));
            assertThat(sent.unanswered()).as("unanswered: another server, or a later attempt, may take it").containsExactly(0);
            assertThat(sent.outcomes().getFirst()).isInstanceOf(Outcome.Deferred.class);
            assertThat(sent.outcomes().getFirst().reply().enhanced()).isEqualTo("4.4.2");
            assertThat(c.isOpen()).isFalse();
        }
    }

    @Test
    void aUtf8OrcptGoesAsXtextToAServerWithoutSmtpUtf8() throws Exception { // RFC 6533 §3, RFC 6531 §3.4
        Recipient r = new Recipient(new Mailbox("a", "example.test"), Notify.DEFAULT, "utf-8;élodie+x@exemple.test", Recipient.State.PENDING);
        try (SmtpSink sink = SmtpSink.start(); SmtpClient c = SmtpClient.connect(sink.address(), "sink", settings(null))) {
            c.hello();
            assertThat(c.offers("SMTPUTF8")).isFalse();
            assertThat(c.send(message(Body.SEVEN_BIT, true, BODY, r)).outcomes().getFirst()).isInstanceOf(Outcome.Delivered.class);
            String dump = sink.messages().getFirst();
            assertThat(dump).contains("ORCPT=utf-8;\\x{E9}lodie\\x{2B}x@exemple.test");
            assertThat(dump.chars()).as("no 8-bit byte in any command").allMatch(ch -> ch < 0x80);
        }
    }
}
