package dev.facteur.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.message.Body;
import dev.facteur.message.ClientInfo;
import dev.facteur.message.Envelope;
import dev.facteur.message.Mailbox;
import dev.facteur.message.Notify;
import dev.facteur.message.QueueId;
import dev.facteur.message.Recipient;
import dev.facteur.message.ReversePath;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** RFC 2033 as the client sees it: one reply per accepted recipient after the data, each final. */
class LmtpClientTest {

    /** An LMTP server that accepts everything, then answers {@code answered} recipients after the data and hangs up. */
    private static ServerSocket server(int answered, List<String> seen) throws Exception {
        ServerSocket ss = new ServerSocket();
        ss.bind(new InetSocketAddress("127.0.0.1", 0));
        Thread.ofVirtual().start(() -> {
            try (Socket s = ss.accept()) {
                var in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                OutputStream out = s.getOutputStream();
                out.write("220 lmtp.test LMTP\r\n".getBytes(StandardCharsets.US_ASCII));
                for (String line; (line = in.readLine()) != null; ) {
                    seen.add(line);
                    String reply;
                    if (line.startsWith("LHLO")) reply = "250-lmtp.test\r\n250 PIPELINING\r\n";
                    else if (line.equals("DATA")) reply = "354 go\r\n";
                    else if (line.equals(".")) {
                        for (int i = 0; i < answered; i++) out.write(("250 2.0.0 saved " + i + "\r\n").getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                        return; // and the connection drops before the other replies
                    } else if (line.startsWith("MAIL") || line.startsWith("RCPT")) reply = "250 ok\r\n";
                    else continue; // content lines
                    out.write(reply.getBytes(StandardCharsets.US_ASCII));
                }
            } catch (Exception ignored) {
                // the test sees what the client made of it
            }
        });
        return ss;
    }

    private static OutgoingMessage message(String... rcpts) {
        List<Recipient> rs = new ArrayList<>();
        for (String r : rcpts) rs.add(Recipient.pending(new Mailbox(r, "example.test"), Notify.DEFAULT, null));
        var env = new Envelope(new QueueId.Generator().next(), Instant.now(), ReversePath.of(new Mailbox("s", "example.org")), rs, -1,
                Body.SEVEN_BIT, false, null, null, new ClientInfo("127.0.0.1", "c", "ESMTP", ""));
        byte[] content = "Subject: t\r\n\r\nhi\r\n".getBytes(StandardCharsets.US_ASCII);
        return new OutgoingMessage(env, rs, content.length, () -> new ByteArrayInputStream(content));
    }

    @Test
    void aConnectionLostHalfWayKeepsTheRepliesAlreadyGiven() throws Exception {
        List<String> seen = new ArrayList<>();
        try (ServerSocket ss = server(1, seen)) {
            var settings = ClientSettings.rfcDefaults("facteur.test", null);
            try (SmtpClient c = SmtpClient.connectLmtp((InetSocketAddress) ss.getLocalSocketAddress(), "lmtp.test", settings)) {
                assertThat(c.hello().code()).isEqualTo(250);
                List<Outcome> outcomes = c.send(message("a", "b", "c")).outcomes();
                // a got its 250: delivered, never to be sent again; b and c are deferred, not bounced
                assertThat(outcomes).hasSize(3);
                assertThat(outcomes.get(0)).isInstanceOf(Outcome.Delivered.class);
                assertThat(outcomes.subList(1, 3)).allSatisfy(o -> {
                    assertThat(o).isInstanceOf(Outcome.Deferred.class);
                    assertThat(o.reply().enhanced()).isEqualTo("4.4.2");
                });
                assertThat(c.isOpen()).isFalse();
            }
        }
        assertThat(seen).first().asString().startsWith("LHLO ");
    }
}
