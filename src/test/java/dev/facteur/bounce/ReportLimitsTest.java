package dev.facteur.bounce;

import static dev.facteur.bounce.Messages.crlf;
import static dev.facteur.bounce.Messages.dsn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.facteur.bounce.Report.Bounce;
import org.junit.jupiter.api.Test;

/** Each limit of {@link ReportLimits}, one test each: what lies beyond it is not read. */
class ReportLimitsTest {

    private static final ReportLimits D = ReportLimits.DEFAULT;

    private static Report read(String message, ReportLimits limits) {
        return ReportParser.read(crlf(message), limits, 0);
    }

    private static final String TWO_RECIPIENTS = dsn("""
            Reporting-MTA: dns; mx.example.net

            Final-Recipient: rfc822; alice@example.org
            Action: failed
            Status: 5.1.1

            Final-Recipient: rfc822; bob@example.org
            Action: failed
            Status: 5.1.1
            """);

    @Test
    void maxBytes() {
        assertThat(read(TWO_RECIPIENTS, D)).isInstanceOfSatisfying(Bounce.class, b -> assertThat(b.standard()).isTrue());
        int beforeTheFields = TWO_RECIPIENTS.indexOf("Content-Type: message/delivery-status");
        Report cut = read(TWO_RECIPIENTS, new ReportLimits(beforeTheFields, D.maxParts(), D.maxDepth(), D.maxRecipients(), D.maxTextChars()));
        assertThat(cut).isInstanceOfSatisfying(Bounce.class, b -> assertThat(b.standard()).isFalse()); // a mailer-daemon's, read from its text
    }

    @Test
    void maxParts() {
        // the notice is part 1, the delivery-status part 2
        Report one = read(TWO_RECIPIENTS, new ReportLimits(D.maxBytes(), 1, D.maxDepth(), D.maxRecipients(), D.maxTextChars()));
        assertThat(one).isInstanceOfSatisfying(Bounce.class, b -> assertThat(b.standard()).isFalse());
        Report two = read(TWO_RECIPIENTS, new ReportLimits(D.maxBytes(), 2, D.maxDepth(), D.maxRecipients(), D.maxTextChars()));
        assertThat(two).isInstanceOfSatisfying(Bounce.class, b -> assertThat(b.recipients()).hasSize(2));
    }

    @Test
    void maxDepth() {
        String nested = """
                From: MAILER-DAEMON@mx.example.net
                Content-Type: multipart/mixed; boundary=OUTER

                --OUTER
                %s
                --OUTER--
                """.formatted(TWO_RECIPIENTS.substring(TWO_RECIPIENTS.indexOf("Content-Type: multipart/report")));
        assertThat(read(nested, D)).isInstanceOfSatisfying(Bounce.class, b -> assertThat(b.standard()).isTrue());
        Report shallow = read(nested, new ReportLimits(D.maxBytes(), D.maxParts(), 1, D.maxRecipients(), D.maxTextChars()));
        assertThat(shallow).isInstanceOfSatisfying(Bounce.class, b -> assertThat(b.standard()).isFalse());
    }

    @Test
    void maxRecipients() {
        Report r = read(TWO_RECIPIENTS, new ReportLimits(D.maxBytes(), D.maxParts(), D.maxDepth(), 1, D.maxTextChars()));
        assertThat(r).isInstanceOfSatisfying(Bounce.class, b -> assertThat(b.recipients()).extracting(BouncedRecipient::address)
                .containsExactly("alice@example.org"));
    }

    @Test
    void maxTextChars() {
        String notice = """
                From: MAILER-DAEMON@mx.example.net
                Subject: failure notice

                I'm afraid I wasn't able to deliver your message to the following addresses.

                <alice@example.org>:
                550 5.1.1 user unknown
                """;
        assertThat(read(notice, D)).isInstanceOfSatisfying(Bounce.class, b -> assertThat(b.recipients()).hasSize(1));
        Report shortSighted = read(notice, new ReportLimits(D.maxBytes(), D.maxParts(), D.maxDepth(), D.maxRecipients(), 40));
        assertThat(shortSighted).isInstanceOfSatisfying(Bounce.class, b -> assertThat(b.recipients()).isEmpty());
    }

    @Test
    void maxTextCharsCountsAllTheTextParts() {
        String twoParts = """
                From: MAILER-DAEMON@mx.example.net
                Subject: failure notice
                Content-Type: multipart/mixed; boundary=B

                --B
                Content-Type: text/plain

                123456789
                --B
                Content-Type: text/plain

                <alice@example.org>: 550 5.1.1 user unknown
                --B--
                """;
        assertThat(read(twoParts, D)).isInstanceOfSatisfying(Bounce.class, b -> assertThat(b.recipients()).hasSize(1));
        for (int max = 8; max <= 12; max++) { // the text ends in the first part, at its end, in the line between
            Report r = read(twoParts, new ReportLimits(D.maxBytes(), D.maxParts(), D.maxDepth(), D.maxRecipients(), max));
            assertThat(r).isInstanceOfSatisfying(Bounce.class, b -> assertThat(b.recipients()).isEmpty());
        }
    }

    @Test
    void everyLimitIsAtLeastOne() {
        assertThatThrownBy(() -> new ReportLimits(0, 1, 1, 1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ReportLimits(1, 0, 1, 1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ReportLimits(1, 1, 0, 1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ReportLimits(1, 1, 1, 0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ReportLimits(1, 1, 1, 1, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
