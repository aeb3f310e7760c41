package dev.facteur.bounce;

import static dev.facteur.bounce.Messages.read;
import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.bounce.Report.Complaint;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** RFC 5965 feedback reports (abuse reports from feedback loops) and RFC 6591 authentication failure reports. */
class ComplaintTest {

    private static Complaint complaint(String text) {
        Report r = read(text);
        assertThat(r).isInstanceOf(Complaint.class);
        return (Complaint) r;
    }

    private static final String ABUSE_REPORT = """
            From: <abusedesk@example.com>
            To: <fbl@example.net>
            Subject: FW: Earn money
            MIME-Version: 1.0
            Content-Type: multipart/report; report-type=feedback-report;
                boundary="part1"

            --part1
            Content-Type: text/plain

            This is an email abuse report.

            --part1
            Content-Type: message/feedback-report

            Feedback-Type: abuse
            User-Agent: SomeGenerator/1.0
            Version: 1
            Original-Mail-From: <bounces+alice=example.org@example.net>
            Original-Rcpt-To: <alice@example.org>
            Original-Rcpt-To: <bob@example.org>
            Arrival-Date: Thu, 8 Mar 2005 14:00:00 EDT
            Reporting-MTA: dns; mail.example.com
            Source-IP: 192.0.2.1 (mailout.example.net)
            Incidents: 3
            Authentication-Results: mail.example.com;
                    spf=pass smtp.mailfrom=example.net
            Reported-Domain: example.net
            Reported-Uri: http://example.net/offer.html
            Reported-Uri: mailto:offers@example.net

            --part1
            Content-Type: message/rfc822

            Return-Path: <bounces+alice=example.org@example.net>
            From: <news@example.net>
            To: <Undisclosed Recipients>
            Message-ID: <8787KJKJ3K4J3K4J3K4J3.mail@example.net>
            Feedback-ID: 7:newsletter:example.net

            Spam Spam Spam
            --part1--
            """;

    @Test
    void theFieldsOfAnAbuseReport() { // RFC 5965 §3.1, §3.2
        FeedbackReport f = complaint(ABUSE_REPORT).feedback();
        assertThat(f.feedbackType()).isEqualTo("abuse");
        assertThat(f.userAgent()).contains("SomeGenerator/1.0");
        assertThat(f.version()).contains("1");
        assertThat(f.originalMailFrom()).contains("<bounces+alice=example.org@example.net>");
        assertThat(f.originalRcptTo()).containsExactly("<alice@example.org>", "<bob@example.org>");
        assertThat(f.arrivalDate()).contains(Instant.parse("2005-03-08T18:00:00Z"));
        assertThat(f.reportingMta()).contains("mail.example.com");
        assertThat(f.sourceIp()).contains("192.0.2.1");
        assertThat(f.incidents()).isEqualTo(3);
        assertThat(f.authenticationResults()).containsExactly("mail.example.com;        spf=pass smtp.mailfrom=example.net");
        assertThat(f.reportedDomains()).containsExactly("example.net");
        assertThat(f.reportedUris()).containsExactly("http://example.net/offer.html", "mailto:offers@example.net");
        assertThat(f.authFailure()).isEmpty();
    }

    @Test
    void theReportedMessageTellsWhomItWasFor() { // providers redact Original-Rcpt-To; the original's header remains
        Complaint c = complaint(ABUSE_REPORT);
        assertThat(c.standard()).isTrue();
        assertThat(c.original().returnPath()).contains("<bounces+alice=example.org@example.net>");
        assertThat(c.original().field("Feedback-ID")).contains("7:newsletter:example.net");
        assertThat(c.original().messageId()).contains("<8787KJKJ3K4J3K4J3K4J3.mail@example.net>");
        assertThat(c.original().bodyIncluded()).isTrue();
    }

    @Test
    void anAuthenticationFailureReport() { // RFC 6591 §3.1, with the reported header only (text/rfc822-headers)
        Complaint c = complaint("""
                From: dmarc-reports@example.com
                Subject: FW: You have a new bill
                Content-Type: multipart/report; report-type=feedback-report; boundary=B

                --B
                Content-Type: message/feedback-report

                Feedback-Type: auth-failure
                User-Agent: OpenDMARC-Filter/1.3.2
                Version: 1
                Auth-Failure: dmarc
                Authentication-Results: mx.example.com; dmarc=fail header.from=example.net
                Original-Envelope-Id: 8BE2660E72
                DKIM-Domain: example.net
                DKIM-Selector: s1
                Received-Date: Wed, 14 Apr 2010 12:15:31 -0700 (PDT)

                --B
                Content-Type: text/rfc822-headers

                From: "Billing" <billing@example.net>
                To: alice@example.org
                Message-ID: <bill@example.net>

                --B--
                """);
        FeedbackReport f = c.feedback();
        assertThat(f.feedbackType()).isEqualTo("auth-failure");
        assertThat(f.authFailure()).contains("dmarc");
        assertThat(f.originalEnvelopeId()).contains("8BE2660E72");
        assertThat(f.fields().first("DKIM-Domain")).contains("example.net");
        assertThat(f.arrivalDate()).contains(Instant.ofEpochSecond(1271272531)); // Received-Date, as early reports named it
        assertThat(f.incidents()).isEqualTo(1); // absent: the report is about the one message it carries
        assertThat(c.original().to()).contains("alice@example.org");
        assertThat(c.original().bodyIncluded()).isFalse();
    }

    @Test
    void aFeedbackPartMakesAComplaintWhateverTheReportType() {
        Complaint c = complaint("""
                From: feedbackloop@example.com
                Subject: Abuse Report
                Content-Type: multipart/mixed; boundary=B

                --B
                Content-Type: message/feedback-report

                Feedback-Type: Opt-Out
                User-Agent: ARF-Agent/1.0
                Version: 0.1
                Removal-Recipient: alice@example.org

                --B--
                """);
        assertThat(c.feedback().feedbackType()).isEqualTo("opt-out");
        assertThat(c.feedback().fields().first("Removal-Recipient")).contains("alice@example.org");
        assertThat(c.original().isPresent()).isFalse();
    }

    @Test
    void anUnsubscribeButtonsMessageIsAnOptOut() { // Apple Mail, sent to the List-Unsubscribe address (RFC 2369)
        Complaint c = complaint("""
                From: alice@icloud.example
                To: opt-out-100731.x9@example.org
                Subject: unsubscribe
                Content-Type: text/plain; charset=UTF-8
                Auto-Submitted: auto-replied
                X-Apple-Unsubscribe: true

                Apple Mail sent this email to unsubscribe from the message.
                """);
        assertThat(c.standard()).isFalse();
        assertThat(c.feedback().feedbackType()).isEqualTo("opt-out");
        assertThat(c.feedback().originalRcptTo()).isEqualTo(List.of("alice@icloud.example"));
    }
}
