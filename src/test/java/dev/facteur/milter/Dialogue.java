package dev.facteur.milter;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/** A session with a real filter as an SMTP server would hold it: the client, then message after message. */
final class Dialogue {

    static final String QUEUE_ID = "1M8G3WJJ50000";

    /** What Postfix would give these macros for a client 127.0.0.1 sending to a host mx.example.test. */
    static final Map<String, String> MACROS = Map.of(
            "j", "mx.example.test",
            "daemon_name", "facteur",
            "daemon_addr", "127.0.0.1",
            "v", "Facteur",
            "_", "client.example.test [127.0.0.1]",
            "i", QUEUE_ID,
            "client_addr", "127.0.0.1",
            "client_name", "client.example.test");

    private Dialogue() {}

    static MilterClient open(MilterAddress address) throws MilterException, UnknownHostException {
        MilterClient m = MilterClient.open(address, MilterSettings.DEFAULT, MACROS::get);
        assertThat(m.connect("client.example.test", new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 40000)))
                .isEqualTo(Response.CONTINUE);
        assertThat(m.helo("client.example.test")).isEqualTo(Response.CONTINUE);
        return m;
    }

    /**
     * One message: MAIL, RCPT, DATA, the content (LF line ends made CRLF), and its end. The
     * verdict is the content's when the filter decided there (OpenDKIM accepts at the end of the
     * headers what it will not sign), else the end of message's.
     */
    static EndOfMessage send(MilterClient m, String from, String to, String message) throws MilterException {
        assertThat(m.mail("<" + from + ">", List.of("SIZE=" + message.length()))).isEqualTo(Response.CONTINUE);
        assertThat(m.rcpt("<" + to + ">", List.of())).isEqualTo(Response.CONTINUE);
        assertThat(m.data()).isEqualTo(Response.CONTINUE);
        byte[] content = crlf(message).getBytes(StandardCharsets.ISO_8859_1);
        Response early = m.content(new ByteArrayInputStream(content));
        EndOfMessage end = m.endOfMessage();
        return early instanceof Response.Continue ? end : new EndOfMessage(early, end.modifications());
    }

    static String crlf(String s) {
        return s.replace("\r\n", "\n").replace("\n", "\r\n");
    }

    /** GTUBE (SpamAssassin's, which rspamd knows too): every filter that judges content rejects it. */
    static final String GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X";

    static String message(String subject, String body) {
        return """
                From: Alice <alice@example.test>
                To: Bob <bob@example.org>
                Subject: %s
                Date: Tue, 01 Dec 2026 10:00:00 +0000
                Message-ID: <%s@example.test>

                %s
                """.formatted(subject, Long.toHexString(System.nanoTime()), body);
    }
}
