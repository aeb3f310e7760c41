package dev.facteur.bounce;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.bounce.Report.Bounce;
import java.nio.charset.StandardCharsets;

/** Test messages written as text blocks, sent as the wire carries them: CRLF line ends, UTF-8 where RFC 6532 allows it. */
final class Messages {

    private Messages() {}

    static byte[] crlf(String text) {
        return text.replace("\r\n", "\n").replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8);
    }

    /** Reads {@code text} through the parser itself (no safety net) and expects a bounce. */
    static Bounce bounce(String text) {
        Report r = read(text);
        assertThat(r).isInstanceOf(Bounce.class);
        return (Bounce) r;
    }

    static Report read(String text) {
        return ReportParser.read(crlf(text), ReportLimits.DEFAULT, 0);
    }

    /** A multipart/report whose delivery-status part is {@code status}, with a notice and a returned header. */
    static String dsn(String status) {
        return """
                From: Mail Delivery System <MAILER-DAEMON@mx.example.net>
                To: <bounces+alice=example.org@example.com>
                Subject: Undelivered Mail Returned to Sender
                MIME-Version: 1.0
                Content-Type: multipart/report; report-type=delivery-status; boundary="B"

                --B
                Content-Type: text/plain

                Your message could not be delivered.

                --B
                Content-Type: message/delivery-status

                %s
                --B
                Content-Type: text/rfc822-headers

                Message-ID: <m1@example.com>
                From: news@example.com
                To: alice@example.org

                --B--
                """.formatted(status);
    }
}
