package dev.facteur.it.delivery;

import static dev.facteur.it.delivery.MailWorld.SENDER;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the receiving server does not offer, Facteur does not use (RFC 5321 §2.2.1, §4.1.1.1). */
class ServiceExtensionsIT {

    /** 8-bit text in the body only: can be made 7-bit. */
    private static final byte[] EIGHT_BIT_BODY = ("From: <" + SENDER + ">\r\nSubject: =?utf-8?q?caf=C3=A9?=\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
            + "Un caf\u00e9, s'il vous pla\u00eet.\r\n").getBytes(StandardCharsets.UTF_8);

    /** Raw UTF-8 in the Subject (RFC 6532): cannot be made 7-bit. */
    private static final byte[] EIGHT_BIT = ("From: <" + SENDER + ">\r\nSubject: caf\u00e9\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
            + "Un caf\u00e9, s'il vous pla\u00eet.\r\n").getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    @Test
    void an8BitMessageIsMadeSevenBitForAServerWithout8BitMime() throws Exception { // RFC 6152 §3
        String host = MailWorld.newHost();
        try (var world = MailWorld.start(dir, MailWorld.mx("seven.test", host))) {
            var seven = world.sink(host, "-8"); // no 8BITMIME in its EHLO reply
            String id = world.submit("<" + SENDER + "> BODY=8BITMIME", List.of("<bob@seven.test>"), EIGHT_BIT_BODY);

            world.awaitGone(id);
            String received = MailWorld.awaitReceived(seven, 1).getFirst();
            assertThat(received).as("no BODY=8BITMIME to a server that does not know it").doesNotContain("BODY=8BITMIME")
                    .contains("Content-Transfer-Encoding: quoted-printable", "Un caf=C3=A9, s'il vous pla=C3=AEt.");
            assertThat(received.chars().allMatch(c -> c < 128)).isTrue();
            world.assertNoDsn("delivered");
        }
    }

    @Test
    void aMessageWithRawUtf8HeadersStillBouncesWith5_6_3() throws Exception { // RFC 6152 §3, RFC 3463 X.6.3
        String host = MailWorld.newHost();
        try (var world = MailWorld.start(dir, MailWorld.mx("seven.test", host))) {
            var seven = world.sink(host, "-8");
            String id = world.submit("<" + SENDER + "> BODY=8BITMIME", List.of("<bob@seven.test>"), EIGHT_BIT);

            ParsedDsn.Rcpt bob = world.onlyDsn(id).only();
            assertThat(bob.action()).isEqualTo("failed");
            assertThat(bob.status()).isEqualTo("5.6.3");
            assertThat(seven.messages()).as("nothing was sent to the 7-bit server").isEmpty();
        }
    }

    @Test
    void aServerThatRefusesEhloIsGreetedWithHeloAndGetsTheMessage() throws Exception { // RFC 5321 §3.2
        String host = MailWorld.newHost();
        try (var world = MailWorld.start(dir, MailWorld.mx("old.test", host))) {
            var old = world.sink(host, "-e"); // answers EHLO with 5xx, as an RFC 821 server would
            String id = world.submit(SENDER, List.of("bob@old.test"), "plain smtp");

            world.awaitGone(id);
            String received = MailWorld.awaitReceived(old, 1).getFirst();
            assertThat(received).contains("X-Client-Proto: SMTP", "X-Helo-Args: mx.facteur.test", "Subject: plain smtp");
            assertThat(received).as("no ESMTP parameters to an SMTP server").contains("X-Mail-Args: <" + SENDER + ">\n");
            world.assertNoDsn("delivered");
        }
    }

    @Test
    void an8BitMessageIsMadeSevenBitForPlainSmtpToo() throws Exception { // RFC 6152 §3: 8BITMIME needs EHLO
        String host = MailWorld.newHost();
        try (var world = MailWorld.start(dir, MailWorld.mx("old.test", host))) {
            var old = world.sink(host, "-e");
            world.awaitGone(world.submit("<" + SENDER + "> BODY=8BITMIME", List.of("<bob@old.test>"), EIGHT_BIT_BODY));

            assertThat(MailWorld.awaitReceived(old, 1).getFirst()).contains("Content-Transfer-Encoding: quoted-printable");
            world.assertNoDsn("delivered");
        }
    }

    @Test
    void aBounceForAUtf8AddressIsAGlobalReport() throws Exception { // RFC 6533
        String host = MailWorld.newHost();
        try (var world = MailWorld.start(dir, MailWorld.mx("far.test", host))) {
            var far = world.sink(host, "-f", "rcpt"); // every RCPT gets a 5xx
            byte[] message = ("From: <" + SENDER + ">\r\nTo: <zo\u00eb@far.test>\r\nSubject: salut\r\n\r\nbonjour\r\n")
                    .getBytes(StandardCharsets.UTF_8);
            String id = world.submit("<" + SENDER + "> SMTPUTF8", List.of("<zo\u00eb@far.test>"), message);

            ParsedDsn dsn = world.onlyDsn(id);
            assertThat(dsn.reportType()).isEqualTo("global-delivery-status");
            assertThat(dsn.parts()).containsExactly("text/plain", "message/global-delivery-status", "message/global");
            assertThat(dsn.only().finalRecipient()).isEqualTo("utf-8; zo\u00eb@far.test");
            assertThat(dsn.only().status()).startsWith("5.");
            assertThat(dsn.only().action()).isEqualTo("failed");
            assertThat(far.messages()).isEmpty();
        }
    }
}
