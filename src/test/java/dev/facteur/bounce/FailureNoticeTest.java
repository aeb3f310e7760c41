package dev.facteur.bounce;

import static dev.facteur.bounce.Messages.bounce;
import static dev.facteur.bounce.Messages.read;
import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.bounce.Report.Bounce;
import dev.facteur.dsn.DsnAction;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/**
 * Bounces that are no DSN: failure notices written for people, from which the recipients and
 * their reasons are read by the habits most servers share (see {@link PlainTextBounce}).
 */
class FailureNoticeTest {

    @Test
    void qmailWritesOneParagraphPerRecipient() {
        Bounce b = bounce("""
                From: MAILER-DAEMON@mx.example.net
                To: news@example.com
                Subject: failure notice

                Hi. This is the qmail-send program at mx.example.net.
                I'm afraid I wasn't able to deliver your message to the following addresses.
                This is a permanent error; I've given up. Sorry it didn't work out.

                <alice@example.org>:
                192.0.2.1 does not like recipient.
                Remote host said: 550 5.1.1 <alice@example.org>: Recipient address rejected: User unknown
                Giving up on 192.0.2.1.

                <bob@example.org>:
                192.0.2.1 failed after I sent the message.
                Remote host said: 552 5.3.4 Message size exceeds fixed limit

                --- Below this line is a copy of the message.

                Return-Path: <news@example.com>
                Message-ID: <m1@example.com>
                From: news@example.com
                To: alice@example.org, bob@example.org

                Hello.
                """);
        assertThat(b.standard()).isFalse();
        assertThat(b.reportingMta()).contains("mx.example.net");
        assertThat(b.recipients()).extracting(BouncedRecipient::address).containsExactly("alice@example.org", "bob@example.org");
        BouncedRecipient alice = b.recipients().get(0), bob = b.recipients().get(1);
        assertThat(alice.status()).contains(new StatusCode(5, 1, 1));
        assertThat(alice.replyCode()).isEqualTo(OptionalInt.of(550));
        assertThat(alice.diagnostic()).isEqualTo("Remote host said: 550 5.1.1 <alice@example.org>: Recipient address rejected: User unknown");
        assertThat(alice.bounceClass()).isEqualTo(BounceClass.HARD);
        assertThat(bob.bounceClass()).isEqualTo(BounceClass.TOO_LARGE);
        assertThat(b.returned().messageId()).contains("<m1@example.com>");
        assertThat(b.returned().bodyIncluded()).isFalse();
    }

    @Test
    void eximNamesItsFailedRecipientsInAField() {
        Bounce b = bounce("""
                From: Mail Delivery System <Mailer-Daemon@mx.example.net>
                To: news@example.com
                Subject: Mail delivery failed: returning message to sender
                X-Failed-Recipients: alice@example.org,
                  bob@example.org

                This message was created automatically by mail delivery software.

                A message that you sent could not be delivered to one or more of its
                recipients. This is a permanent error. The following address(es) failed:

                  alice@example.org
                    host mail.example.org [192.0.2.1]
                    SMTP error from remote mail server after RCPT TO:<alice@example.org>:
                    550 5.2.2 <alice@example.org>: mailbox full
                  bob@example.org
                    host mail.example.org [192.0.2.1]
                    SMTP error from remote mail server after end of data:
                    550 Unknown user

                ------ This is a copy of the message, including all the headers. ------

                Return-path: <news@example.com>
                Message-Id: <m2@example.com>
                From: news@example.com
                """);
        assertThat(b.recipients()).extracting(BouncedRecipient::address).containsExactly("alice@example.org", "bob@example.org");
        assertThat(b.recipients().get(0).bounceClass()).isEqualTo(BounceClass.SOFT);
        assertThat(b.recipients().get(0).remoteMta()).contains("mail.example.org");
        assertThat(b.recipients().get(1).bounceClass()).isEqualTo(BounceClass.POLICY); // refused after DATA: a filter's
        assertThat(b.returned().messageId()).contains("<m2@example.com>");
    }

    @Test
    void exchangeAndGmailPutTheAddressAtTheStartOfItsLine() {
        Bounce exchange = bounce("""
                From: System Administrator <postmaster@example.org>
                Subject: Undeliverable: Hello

                Your message

                  To:      carol@example.net
                  Subject: Hello

                did not reach the following recipient(s):

                alice@example.org on Thu, 29 Apr 2010 00:00:00 -0000
                    The recipient name is not recognized
                bob@example.org on Thu, 29 Apr 2010 00:00:00 -0000
                    The recipient name is not recognized
                """);
        assertThat(exchange.recipients()).extracting(BouncedRecipient::address).containsExactly("alice@example.org", "bob@example.org");
        assertThat(exchange.recipients()).extracting(BouncedRecipient::bounceClass).containsOnly(BounceClass.HARD);

        Bounce gmail = bounce("""
                From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>
                Subject: Delivery Status Notification (Failure)

                Delivery to the following recipient failed permanently:

                     alice@example.org

                Technical details of permanent failure:
                The error that the other server returned was:
                550 5.1.1 <alice@example.org>... User Unknown
                """);
        assertThat(gmail.recipients()).singleElement().satisfies(r -> {
            assertThat(r.address()).isEqualTo("alice@example.org");
            assertThat(r.diagnostic()).isEqualTo("550 5.1.1 <alice@example.org>... User Unknown");
        });
    }

    @Test
    void aReasonWrittenBeforeTheAddressStillCounts() { // Lotus Notes
        Bounce b = bounce("""
                From: postmaster@example.org
                Subject: Undeliverable message

                ------- Failure Reasons  --------

                User not listed in public Name & Address Book
                alice@example.org

                ------- Returned Message --------
                Received: from mx.example.com by example.org
                Message-Id: <m3@example.com>
                From: news@example.com
                """);
        assertThat(b.recipients()).singleElement().satisfies(r -> {
            assertThat(r.address()).isEqualTo("alice@example.org");
            assertThat(r.diagnostic()).isEqualTo("User not listed in public Name & Address Book");
            assertThat(r.bounceClass()).isEqualTo(BounceClass.HARD);
        });
    }

    @Test
    void aRecipientNamedInASentence() {
        Bounce b = bounce("""
                From: MAILER-DAEMON <>
                To: news@example.com
                Subject: Mail delivery failed

                This is the DragonFly Mail Agent at mx.example.net.

                There was an error delivering your mail to <alice@example.org>.

                mail.example.org [192.0.2.1] did not like our final DATA:
                554 5.7.9 Message not accepted for policy reasons.

                Message headers follow.

                From: <news@example.com>
                To: <alice@example.org>
                Message-Id: <m4@example.com>
                """);
        assertThat(b.recipients()).singleElement().satisfies(r -> {
            assertThat(r.address()).isEqualTo("alice@example.org");
            assertThat(r.status()).contains(new StatusCode(5, 7, 9));
            assertThat(r.bounceClass()).isEqualTo(BounceClass.POLICY);
        });
        assertThat(b.returned().messageId()).contains("<m4@example.com>");
    }

    @Test
    void theSendersAndTheMailSystemsAddressesAreNoRecipients() {
        Bounce b = bounce("""
                From: Mail Deliver System <MAILER-DAEMON@mx.example.net>
                To: news@example.com
                Subject: Returned Mail: User unknown

                The original message was received at Thu, 29 Apr 2010 23:34:45 +0900
                from news@example.com

                news@example.com, please check the address.
                Contact MAILER-DAEMON@mx.example.net for help.
                ---The following addresses had delivery errors---

                alice@example.org [User unknown]
                """);
        assertThat(b.recipients()).extracting(BouncedRecipient::address).containsExactly("alice@example.org");
    }

    @Test
    void whenTheNoticeNamesNoOneTheOriginalWentToItsTo() { // Sendmail 5 wrote only the remote host's reply
        Bounce b = bounce("""
                From: Mail Delivery Subsystem <MAILER-DAEMON@example.com>
                Subject: Returned mail: Cannot send message for 4 days

                   ----- Transcript of session follows -----
                421 example.org (smtp)... Deferred: Connection timed out during user open with example.org

                   ----- Unsent message follows -----
                Received: by mx.example.com; id 0000000
                From: news@example.com
                To: alice@example.org
                Subject: Hello

                Hello.
                """);
        assertThat(b.recipients()).singleElement().satisfies(r -> {
            assertThat(r.address()).isEqualTo("alice@example.org");
            assertThat(r.replyCode()).isEqualTo(OptionalInt.of(421));
            assertThat(r.bounceClass()).isEqualTo(BounceClass.SOFT);
        });
    }

    @Test
    void aForwardedReportIsReadForItsRecipients() {
        Bounce b = bounce("""
                From: MAILER-DAEMON@relay.example.net
                Subject: Returned mail
                Content-Type: multipart/mixed; boundary=OUTER

                --OUTER
                Content-Type: text/plain

                The following addresses had permanent delivery errors.

                --OUTER
                Content-Type: message/rfc822

                From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.org>
                Subject: Returned mail: User unknown
                Content-Type: multipart/report; report-type=delivery-status; boundary=INNER

                --INNER
                Content-Type: message/delivery-status

                Reporting-MTA: dns; mx.example.org

                Final-Recipient: rfc822; alice@example.org
                Action: failed
                Status: 5.1.1
                --INNER--
                --OUTER--
                """);
        assertThat(b.reportingMta()).contains("mx.example.org");
        assertThat(b.recipients()).extracting(BouncedRecipient::address).containsExactly("alice@example.org");
    }

    @Test
    void aWarningIsADelay() {
        Bounce b = bounce("""
                From: mailer-daemon@mail.example.net
                Subject: Mail Delivery Status Notification (Delay)

                THIS IS A WARNING MESSAGE ONLY.
                YOU DO NOT NEED TO RESEND YOUR MESSAGE.

                [Status: Error, Address: <alice@example.org>, ResponseCode 421, , Host not reachable.]

                Message will be retried for 4 more day(s)
                """);
        assertThat(b.recipients()).singleElement().satisfies(r -> {
            assertThat(r.action()).isEqualTo(DsnAction.DELAYED);
            assertThat(r.bounceClass()).isEqualTo(BounceClass.SOFT);
        });
    }

    @Test
    void deliveryStatusFieldsWrittenIntoTheTextAreRead() { // a DSN whose MIME structure was lost, or pasted into a notice
        Bounce b = bounce("""
                From: MAILER-DAEMON@mx.example.net (Mail Delivery System)
                Subject: Delayed Mail (still being retried)

                <alice@example.org>: connect to mail.example.org[192.0.2.2]:25: No route to host

                Reporting-MTA: dns; mx.example.net
                Arrival-Date: Thu, 29 Apr 2017 23:34:45 +0900 (JST)

                Final-Recipient: rfc822; alice@example.org
                Action: delayed
                Status: 4.4.1
                Diagnostic-Code: X-Postfix; connect to mail.example.org[192.0.2.2]:25: No route to host

                Return-Path: <news@example.com>
                Received: from client by mx.example.net
                Message-Id: <m5@example.com>
                """);
        assertThat(b.standard()).isFalse();
        assertThat(b.reportingMta()).contains("mx.example.net");
        assertThat(b.recipients()).singleElement().satisfies(r -> {
            assertThat(r.action()).isEqualTo(DsnAction.DELAYED);
            assertThat(r.status()).contains(new StatusCode(4, 4, 1));
        });
        assertThat(b.returned().messageId()).contains("<m5@example.com>");
    }

    @Test
    void weakSignsTogetherMakeABounce() {
        // no mailer-daemon, no failure subject: a null Return-Path, words of failure and the original returned
        Bounce b = bounce("""
                Return-Path: <>
                From: no-reply@mail.example.org
                Subject: Mail
                Content-Type: multipart/mixed; boundary=B

                --B
                Content-Type: text/plain

                Your mail sent on: Thu, 29 Apr 2013 23:45:22 +0900
                     Could not be delivered to: <alice@example.org>
                     As their mailbox is full.

                --B
                Content-Type: message/rfc822

                From: news@example.com
                To: alice@example.org
                Message-ID: <m6@example.com>

                Hello.
                --B--
                """);
        assertThat(b.recipients()).singleElement().satisfies(r -> assertThat(r.bounceClass()).isEqualTo(BounceClass.SOFT));
        assertThat(b.returned().bodyIncluded()).isTrue();
    }

    @Test
    void aForwardedMessageIsNoBounce() {
        assertThat(read("""
                From: carol@example.net
                To: dave@example.net
                Subject: original as attachment
                Content-Type: multipart/mixed; boundary=B

                --B
                Content-Type: text/plain

                Have a look at this one.

                --B
                Content-Type: message/rfc822

                From: news@example.com
                To: carol@example.net
                Subject: Hello

                Hello.
                --B--
                """)).isInstanceOf(Report.NotAReport.class);
    }
}
