package dev.facteur.bounce;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.bounce.Report.Bounce;
import dev.facteur.testing.TestResources;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Reports come from anyone who can send mail. Whatever arrives, the parser returns a report or
 * {@code NotAReport}, reads no more than its limits, and throws nothing. The parser is called
 * here through {@link ReportParser#read}, without the safety net of {@link ReportParser#parse},
 * so that an exception shows.
 */
class HostileInputTest {

    private static final ReportLimits LIMITS = ReportLimits.DEFAULT;

    private static Report read(byte[] message) {
        Report r = ReportParser.read(message, LIMITS, 0);
        assertThat(r).isNotNull();
        if (r instanceof Bounce b) assertThat(b.recipients()).hasSizeLessThanOrEqualTo(LIMITS.maxRecipients());
        return r;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void everyTruncationOfAReportIsRead() { // a message cut anywhere: in a header, a boundary, a field, a base64 line
        for (String file : new String[] {"sisimai/rfc3464-35.eml", "sisimai/lhost-qmail-01.eml", "sisimai/arf-18.eml",
                "sisimai/lhost-amazonworkmail-01.eml", "arf-mail-auth/005.eml"}) {
            byte[] whole = TestResources.bytes(HostileInputTest.class, file);
            int step = Math.max(1, whole.length / 1500);
            for (int n = 0; n <= whole.length; n += step) read(Arrays.copyOf(whole, n));
        }
    }

    @Test
    void randomlyDamagedReportsAreRead() {
        var random = new Random(3464);
        byte[][] seeds = {TestResources.bytes(HostileInputTest.class, "sisimai/rfc3464-04.eml"),
                TestResources.bytes(HostileInputTest.class, "sisimai/lhost-exim-02.eml"),
                TestResources.bytes(HostileInputTest.class, "sisimai/arf-16.eml"),
                TestResources.bytes(HostileInputTest.class, "sisimai/lhost-domino-03.eml")};
        byte[] alphabet = ascii("\r\n\t :;=<>@.-\"()[]\\+/abcXYZ0459\u0000\u00ff");
        for (int i = 0; i < 3000; i++) {
            byte[] b = seeds[random.nextInt(seeds.length)].clone();
            int edits = 1 + random.nextInt(20);
            for (int e = 0; e < edits; e++) {
                int at = random.nextInt(b.length);
                switch (random.nextInt(3)) {
                    case 0 -> b[at] = alphabet[random.nextInt(alphabet.length)];
                    case 1 -> b = splice(b, at, Math.min(b.length, at + random.nextInt(40)), new byte[0]);
                    default -> b = splice(b, at, at, Arrays.copyOfRange(b, random.nextInt(b.length), b.length).length > 0
                            ? Arrays.copyOf(Arrays.copyOfRange(b, random.nextInt(b.length), b.length), random.nextInt(60)) : new byte[0]);
                }
                if (b.length == 0) break;
            }
            read(b);
        }
    }

    @Test
    void randomBytesAreNotAReportOrAReadableOne() {
        var random = new Random(5965);
        for (int i = 0; i < 2000; i++) {
            byte[] b = new byte[random.nextInt(4096)];
            random.nextBytes(b);
            read(b);
        }
        assertThat(read(new byte[0])).isInstanceOf(Report.NotAReport.class);
        assertThat(read(ascii("\r\n\r\n"))).isInstanceOf(Report.NotAReport.class);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void tenThousandPartsAreReadUpToTheLimit() {
        var b = new StringBuilder("From: MAILER-DAEMON@mx.example.net\r\nSubject: failure notice\r\n"
                + "Content-Type: multipart/report; report-type=delivery-status; boundary=B\r\n\r\n");
        for (int i = 0; i < 10_000; i++) {
            b.append("--B\r\nContent-Type: message/delivery-status\r\n\r\nFinal-Recipient: rfc822; u").append(i)
                    .append("@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n");
        }
        b.append("--B--\r\n");
        Report r = read(ascii(b.toString()));
        assertThat(r).isInstanceOfSatisfying(Bounce.class, bounce -> assertThat(bounce.recipients()).extracting(BouncedRecipient::address)
                .containsExactly("u0@example.org"));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void deeplyNestedPartsAndMessagesAreReadUpToTheLimit() {
        var b = new StringBuilder("From: MAILER-DAEMON@mx.example.net\r\nSubject: failure notice\r\n");
        for (int i = 0; i < 10_000; i++) b.append("Content-Type: multipart/mixed; boundary=B").append(i).append("\r\n\r\n--B").append(i).append("\r\n");
        read(ascii(b.toString()));

        var m = new StringBuilder("From: MAILER-DAEMON@mx.example.net\r\nSubject: failure notice\r\n");
        for (int i = 0; i < 10_000; i++) m.append("Content-Type: message/rfc822\r\n\r\n");
        read(ascii(m.toString()));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aHugeMessageIsReadOnlyAsFarAsTheLimit() {
        byte[] head = ascii("From: MAILER-DAEMON@mx.example.net\r\nSubject: Undelivered Mail\r\n\r\n<alice@example.org>: 550 5.1.1 user unknown\r\n");
        byte[] huge = Arrays.copyOf(head, 40 * 1024 * 1024);
        Arrays.fill(huge, head.length, huge.length, (byte) 'a'); // one 40 MB line
        Report r = read(huge);
        assertThat(r).isInstanceOfSatisfying(Bounce.class, b -> assertThat(b.recipients()).extracting(BouncedRecipient::bounceClass)
                .containsExactly(BounceClass.HARD));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void longLinesAndManyAddressesStayBounded() {
        var b = new StringBuilder("From: MAILER-DAEMON@mx.example.net\r\nSubject: failure notice\r\n\r\n");
        for (int i = 0; i < 30_000; i++) b.append("<u").append(i).append("@example.org>: 550 no\r\n");
        b.append("x".repeat(500_000)).append("@example.org ").append("a.".repeat(100_000)).append("\r\n");
        read(ascii(b.toString()));

        var fields = new StringBuilder("From: MAILER-DAEMON@mx.example.net\r\nContent-Type: multipart/report; boundary=B\r\n\r\n--B\r\n"
                + "Content-Type: message/delivery-status\r\n\r\nDiagnostic-Code: smtp; ");
        fields.append("550 5.1.1 user unknown ".repeat(100_000)).append("\r\n");
        for (int i = 0; i < 5000; i++) fields.append("Final-Recipient: rfc822; u").append(i).append("@example.org\r\n");
        read(ascii(fields.toString()));
    }

    @Test
    void theSafetyNetTurnsAnythingUnforeseenIntoNotAReport() {
        // parse() is read() with a catch around it: even no message at all is NotAReport
        assertThat(ReportParser.parse(null)).isInstanceOf(Report.NotAReport.class);
    }

    private static byte[] splice(byte[] b, int from, int to, byte[] insert) {
        byte[] out = new byte[b.length - (to - from) + insert.length];
        System.arraycopy(b, 0, out, 0, from);
        System.arraycopy(insert, 0, out, from, insert.length);
        System.arraycopy(b, to, out, from + insert.length, b.length - to);
        return out;
    }
}
