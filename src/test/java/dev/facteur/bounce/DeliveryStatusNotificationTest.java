package dev.facteur.bounce;

import static dev.facteur.bounce.Messages.bounce;
import static dev.facteur.bounce.Messages.dsn;
import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.bounce.Report.Bounce;
import dev.facteur.dsn.DsnAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** RFC 3464 delivery status notifications in RFC 6522 reports, as servers write them, tidy or not. */
class DeliveryStatusNotificationTest {

    @Test
    void perMessageAndPerRecipientFieldsAreRead() { // RFC 3464 §2.2, §2.3
        Bounce b = bounce(dsn("""
                Reporting-MTA: dns; mx.example.net
                Original-Envelope-Id: QQ314159
                Arrival-Date: Thu, 29 Apr 2021 23:34:45 +0900

                Original-Recipient: rfc822; Alice@Example.org
                Final-Recipient: rfc822; alice@example.org
                Action: failed
                Status: 5.1.1
                Remote-MTA: dns; mail.example.org
                Diagnostic-Code: smtp; 550 5.1.1 <alice@example.org>: Recipient address rejected: User unknown
                Last-Attempt-Date: Thu, 29 Apr 2021 23:35:00 +0900

                Final-Recipient: rfc822; bob@example.org
                Action: delayed
                Status: 4.2.2
                Diagnostic-Code: smtp; 452 4.2.2 Mailbox full
                """));
        assertThat(b.standard()).isTrue();
        assertThat(b.reportingMta()).contains("mx.example.net");
        assertThat(b.originalEnvelopeId()).contains("QQ314159");
        assertThat(b.arrivalDate()).contains(Instant.parse("2021-04-29T14:34:45Z"));
        assertThat(b.recipients()).hasSize(2);

        BouncedRecipient alice = b.recipients().get(0);
        assertThat(alice.address()).isEqualTo("alice@example.org");
        assertThat(alice.originalRecipient()).contains("Alice@Example.org");
        assertThat(alice.action()).isEqualTo(DsnAction.FAILED);
        assertThat(alice.status()).contains(new StatusCode(5, 1, 1));
        assertThat(alice.replyCode()).isEqualTo(OptionalInt.of(550));
        assertThat(alice.diagnostic()).isEqualTo("550 5.1.1 <alice@example.org>: Recipient address rejected: User unknown");
        assertThat(alice.remoteMta()).contains("mail.example.org");
        assertThat(alice.lastAttempt()).contains(Instant.parse("2021-04-29T14:35:00Z"));
        assertThat(alice.bounceClass()).isEqualTo(BounceClass.HARD);
        assertThat(alice.fields().first("Status")).contains("5.1.1");

        BouncedRecipient bob = b.recipients().get(1);
        assertThat(bob.action()).isEqualTo(DsnAction.DELAYED);
        assertThat(bob.bounceClass()).isEqualTo(BounceClass.SOFT);
        assertThat(bob.originalRecipient()).isEmpty();
    }

    @Test
    void foldedFieldsAreUnfolded() { // RFC 5322 §2.2.3, which RFC 3464 §2.1 follows
        Bounce b = bounce(dsn("""
                Reporting-MTA: dns;
                  mx.example.net

                Final-Recipient: rfc822;
                \talice@example.org
                Action: failed
                Status: 5.2.2
                Diagnostic-Code: smtp; 552-5.2.2 The email account that you tried to reach is
                    over quota. Please direct the recipient to
                \thttps://support.example/quota
                """));
        BouncedRecipient r = b.recipients().getFirst();
        assertThat(b.reportingMta()).contains("mx.example.net");
        assertThat(r.address()).isEqualTo("alice@example.org");
        assertThat(r.diagnostic()).isEqualTo("552-5.2.2 The email account that you tried to reach is    over quota."
                + " Please direct the recipient to\thttps://support.example/quota");
        assertThat(r.bounceClass()).isEqualTo(BounceClass.SOFT);
    }

    @Test
    void groupsWithoutTheirEmptyLinesAreStillOnePerRecipient() {
        Bounce b = bounce(dsn("""
                Reporting-MTA: dns; mx.example.net
                Final-Recipient: rfc822; alice@example.org
                Action: failed
                Status: 5.1.1
                Final-Recipient: rfc822; bob@example.org
                Action: failed
                Status: 5.2.2
                Original-Recipient: rfc822; carol@example.org
                Final-Recipient: rfc822; carol@example.org
                Action: failed
                Status: 5.3.4
                """));
        assertThat(b.perMessage().first("Reporting-MTA")).contains("dns; mx.example.net");
        assertThat(b.recipients()).extracting(BouncedRecipient::address).containsExactly("alice@example.org", "bob@example.org", "carol@example.org");
        assertThat(b.recipients()).extracting(BouncedRecipient::bounceClass)
                .containsExactly(BounceClass.HARD, BounceClass.SOFT, BounceClass.TOO_LARGE);
    }

    @Test
    void anActionBeforeItsRecipientBelongsToIt() { // Amazon SES writes Action, Final-Recipient, Original-Recipient
        Bounce b = bounce(dsn("""
                Reporting-MTA: dns; inbound-smtp.example.com

                Action: failed
                Final-Recipient: rfc822; alice@example.org
                Original-Recipient: rfc822; alice@example.org
                Diagnostic-Code: smtp; 550 5.1.1 Mailbox does not exist
                Status: 5.1.1
                """));
        assertThat(b.recipients()).singleElement().satisfies(r -> {
            assertThat(r.originalRecipient()).contains("alice@example.org");
            assertThat(r.status()).contains(new StatusCode(5, 1, 1));
        });
    }

    @Test
    void aContinuationLineWithoutItsIndentStillContinues() {
        Bounce b = bounce(dsn("""
                Reporting-MTA: dns; server-0.example.net

                Diagnostic-Code: smtp; 550-Please turn on SMTP Authentication in your mail client.
                550-mail0.example.net [198.51.100.21]:22222 is not permitted to
                550 relay through this server without authentication.
                Status: 5.0.0
                Action: failed
                Final-Recipient: rfc822; alice@example.org
                """));
        BouncedRecipient r = b.recipients().getFirst();
        assertThat(r.diagnostic()).endsWith("550 relay through this server without authentication.");
        assertThat(r.bounceClass()).isEqualTo(BounceClass.POLICY);
    }

    @Test
    void namesTypesAndMediaTypesAreReadWithoutRegardToCase() { // RFC 2045 §5.1, RFC 3464 §2.1
        Bounce b = bounce("""
                From: MAILER-DAEMON@mx.example.net
                Subject: failure
                Content-Type: Multipart/Report; Report-Type=Delivery-Status; BOUNDARY="B"

                --B
                content-type: Message/Delivery-Status

                reporting-mta: DNS; mx.example.net

                final-recipient: RFC822; alice@example.org
                ACTION: Failed
                status: 5.1.1
                --B--
                """);
        assertThat(b.standard()).isTrue();
        assertThat(b.reportingMta()).contains("mx.example.net");
        assertThat(b.recipients()).singleElement().satisfies(r -> {
            assertThat(r.address()).isEqualTo("alice@example.org");
            assertThat(r.action()).isEqualTo(DsnAction.FAILED);
        });
    }

    @Test
    void encodedDeliveryStatusPartsAreDecoded() { // RFC 2045 §6.7, §6.8
        String fields = "Reporting-MTA: dns; mx.example.net\r\n\r\nFinal-Recipient: rfc822; alice@example.org\r\nAction: failed\r\n"
                + "Status: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 no such user\r\n";
        String base64 = Base64.getMimeEncoder().encodeToString(fields.getBytes(StandardCharsets.US_ASCII));
        String quotedPrintable = "Reporting-MTA: d=\r\nns; mx.example.net\r\n\r\nFinal-Reci=\r\npient: rfc822; alice=40example.org\r\n"
                + "Action: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 no such =\r\nuser\r\n";
        for (String[] part : new String[][] {{"base64", base64}, {"quoted-printable", quotedPrintable}}) {
            Bounce b = bounce("""
                    From: MAILER-DAEMON@mx.example.net
                    Content-Type: multipart/report; report-type=delivery-status; boundary=B

                    --B
                    Content-Type: message/delivery-status
                    Content-Transfer-Encoding: %s

                    %s
                    --B--
                    """.formatted(part[0], part[1]));
            assertThat(b.recipients()).as(part[0]).singleElement().satisfies(r -> {
                assertThat(r.address()).isEqualTo("alice@example.org");
                assertThat(r.diagnostic()).isEqualTo("550 5.1.1 no such user");
            });
            assertThat(b.reportingMta()).as(part[0]).contains("mx.example.net");
        }
    }

    @Test
    void aStatusThatSaysOnlyFailedYieldsToTheServersOwnCode() { // RFC 3463: X.0.0 and X.N.0 say no more than their class and subject
        Bounce b = bounce(dsn("""
                Reporting-MTA: dns; mx.example.net

                Final-Recipient: rfc822; alice@example.org
                Action: failed
                Status: 5.0.0
                Diagnostic-Code: smtp; 5.1.0 - Unknown address error 550-'5.7.1 <x@example.net>... Access denied'
                """));
        BouncedRecipient r = b.recipients().getFirst();
        assertThat(r.status()).contains(new StatusCode(5, 7, 1));
        assertThat(r.bounceClass()).isEqualTo(BounceClass.POLICY);
    }

    @Test
    void aFinalRecipientThatIsNoMailboxGivesWayToTheOriginalRecipient() {
        Bounce b = bounce(dsn("""
                Reporting-MTA: dns; mx.example.net

                Original-recipient: rfc822;alice@example.org
                Final-recipient: rfc822;@lmtp.example.net:alice@server
                Action: failed
                Status: 5.2.0 (delivery failed)
                Diagnostic-code: smtp; 522 5.2.0 Delivery failed: Over quota
                """));
        assertThat(b.recipients().getFirst().address()).isEqualTo("alice@example.org");
        assertThat(b.recipients().getFirst().bounceClass()).isEqualTo(BounceClass.SOFT);
    }

    @Test
    void successNoticesAreNoFailures() { // RFC 3464 §2.3.3 delivered, relayed, expanded; Postfix's "deliverable"
        Bounce b = bounce(dsn("""
                Reporting-MTA: dns; mx.example.net

                Final-Recipient: rfc822; alice@example.org
                Action: relayed
                Status: 2.0.0

                Final-Recipient: rfc822; bob@example.org
                Action: deliverable
                Status: 2.1.5
                Diagnostic-Code: smtp; 250 2.1.5 Ok
                """));
        assertThat(b.recipients()).extracting(BouncedRecipient::action).containsExactly(DsnAction.RELAYED, DsnAction.DELIVERED);
        assertThat(b.recipients()).extracting(BouncedRecipient::bounceClass).containsOnly(BounceClass.NOT_A_FAILURE);
    }

    @Test
    void theNoticeGivesTheReasonTheFieldsLeaveOut() {
        Bounce b = bounce("""
                From: MAILER-DAEMON@mx.example.net
                Subject: Undelivered Mail Returned to Sender
                Content-Type: multipart/report; report-type=delivery-status; boundary=B

                --B
                Content-Type: text/plain

                <alice@example.org>: host mail.example.org[192.0.2.1] said: 550 Unknown user
                    (in reply to RCPT TO command)

                --B
                Content-Type: message/delivery-status

                Reporting-MTA: dns; mx.example.net

                Final-Recipient: rfc822; alice@example.org
                Action: failed
                Status: 5.0.0
                --B--
                """);
        BouncedRecipient r = b.recipients().getFirst();
        assertThat(r.diagnostic()).contains("550 Unknown user");
        assertThat(r.bounceClass()).isEqualTo(BounceClass.HARD);
    }

    @Test
    void anUnknownUserInAnswerToDataIsAFiltersRefusal() { // RFC 5321 §3.3: the recipient was taken at RCPT TO
        Bounce b = bounce("""
                From: MAILER-DAEMON@mx.example.net
                Subject: Undelivered Mail Returned to Sender
                Content-Type: multipart/report; report-type=delivery-status; boundary=B

                --B
                Content-Type: text/plain

                <alice@example.org>: host mail.example.org[192.0.2.1] said: 550 Unknown user
                    alice@example.org (in reply to end of DATA command)

                --B
                Content-Type: message/delivery-status

                Reporting-MTA: dns; mx.example.net

                Final-Recipient: rfc822; alice@example.org
                Action: failed
                Status: 5.0.0
                Diagnostic-Code: smtp; 550 Unknown user alice@example.org
                --B--
                """);
        assertThat(b.recipients().getFirst().bounceClass()).isEqualTo(BounceClass.POLICY);
    }

    @Test
    void theReturnedMessageOrItsHeaderTellsWhichMessageItWas() { // RFC 6522 §4: message/rfc822 or text/rfc822-headers
        Bounce headersOnly = bounce(dsn("""
                Reporting-MTA: dns; mx.example.net

                Final-Recipient: rfc822; alice@example.org
                Action: failed
                Status: 5.1.1
                """));
        assertThat(headersOnly.returned().messageId()).contains("<m1@example.com>");
        assertThat(headersOnly.returned().to()).contains("alice@example.org");
        assertThat(headersOnly.returned().bodyIncluded()).isFalse();

        Bounce whole = bounce("""
                From: MAILER-DAEMON@mx.example.net
                Content-Type: multipart/report; report-type=delivery-status; boundary=B

                --B
                Content-Type: message/delivery-status

                Final-Recipient: rfc822; alice@example.org
                Action: failed
                Status: 5.1.1
                --B
                Content-Type: message/rfc822
                Content-Transfer-Encoding: base64

                %s
                --B--
                """.formatted(Base64.getMimeEncoder().encodeToString("""
                Return-Path: <bounces+alice=example.org@example.com>
                Message-ID: <m2@example.com>
                Feedback-ID: campaign7:newsletter:example.com
                X-Campaign: spring
                Subject: Hello

                Body.
                """.replace("\n", "\r\n").getBytes(StandardCharsets.US_ASCII))));
        assertThat(whole.returned().bodyIncluded()).isTrue();
        assertThat(whole.returned().returnPath()).contains("<bounces+alice=example.org@example.com>");
        assertThat(whole.returned().field("feedback-id")).contains("campaign7:newsletter:example.com");
        assertThat(whole.returned().field("X-Campaign")).contains("spring");
    }

    @Test
    void globalReportsCarryUtf8AddressesAndHeaders() { // RFC 6533 §3, §4, §5, §6
        Bounce b = bounce("""
                From: MAILER-DAEMON@mx.example.net
                Content-Type: multipart/report; report-type=global-delivery-status; boundary=B

                --B
                Content-Type: message/global-delivery-status

                Reporting-MTA: dns; mx.example.net

                Original-Recipient: utf-8; j\\x{00FC}rgen@b\\x{00FC}cher.example
                Final-Recipient: utf-8; jürgen@bücher.example
                Action: failed
                Status: 5.1.1

                --B
                Content-Type: message/global-headers

                From: Zoë <zoë@exemple.fr>
                Message-ID: <m3@exemple.fr>

                --B--
                """);
        BouncedRecipient r = b.recipients().getFirst();
        assertThat(r.address()).isEqualTo("jürgen@bücher.example");
        assertThat(r.originalRecipient()).contains("jürgen@bücher.example");
        assertThat(b.returned().from()).contains("Zoë <zoë@exemple.fr>");
        assertThat(b.returned().messageId()).contains("<m3@exemple.fr>");
    }

    @Test
    void aReportWithoutDeliveryStatusFieldsIsReadFromItsText() {
        Bounce b = bounce("""
                From: MAILER-DAEMON@mx.example.net
                Subject: Returned mail
                Content-Type: multipart/report; report-type=delivery-status; boundary=B

                --B
                Content-Type: text/plain

                Delivery to the following recipients failed permanently:

                   * alice@example.org

                --B
                Content-Type: message/delivery-status

                Reporting-MTA: dns; mx.example.net
                --B--
                """);
        assertThat(b.standard()).isFalse();
        assertThat(b.reportingMta()).contains("mx.example.net");
        assertThat(b.recipients()).extracting(BouncedRecipient::address).containsExactly("alice@example.org");
    }

    @Test
    void missingFieldsAreEmptyNotInvented() {
        Bounce b = bounce(dsn("""
                Final-Recipient: rfc822; alice@example.org
                """));
        BouncedRecipient r = b.recipients().getFirst();
        assertThat(b.reportingMta()).isEmpty();
        assertThat(r.action()).isEqualTo(DsnAction.FAILED); // what a bounce reports when it does not say
        assertThat(r.status()).isEmpty();
        assertThat(r.replyCode()).isEmpty();
        assertThat(r.remoteMta()).isEqualTo(Optional.empty());
        assertThat(r.bounceClass()).isEqualTo(BounceClass.UNDETERMINED);
    }
}
