package dev.facteur.shaping;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.smtp.Reply;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Which replies ask us to slow down, on what large receivers and common filters really send
 * (their documentation and their users' logs), IP addresses changed to documentation ones.
 */
class SlowDownTest {

    // -- the site asks us to slow down: its rate, its connections, maybe a suspension --

    @Test
    void gmailUnusualRate() {
        assertThat(SlowDown.means(new Reply(421, "4.7.28", List.of(
                "[203.0.113.5      15] Our system has detected an unusual rate of",
                "unsolicited mail originating from your IP address. To protect our",
                "users from spam, mail sent from your IP address has been temporarily",
                "rate limited. Please visit",
                " https://support.google.com/mail/?p=UnsolicitedRateLimitError to",
                "review our Bulk Email Senders Guidelines. a1-20020a05600c000100b004 - gsmtp")))).isTrue();
    }

    @Test
    void gmailClosingTheConnection() { // 421 at any stage: the server hangs up on us
        assertThat(SlowDown.means(new Reply(421, "4.7.0", "Try again later, closing connection. (EHLO) a1-20020a05600c - gsmtp"))).isTrue();
    }

    @Test
    void yahooUnexpectedVolume() {
        assertThat(SlowDown.means(new Reply(421, "4.7.0", "[TSS04] Messages from 203.0.113.5 temporarily deferred due to unexpected "
                + "volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes"))).isTrue();
    }

    @Test
    void outlookServerBusy() {
        assertThat(SlowDown.means(new Reply(451, "4.7.500", "Server busy. Please try again later from [203.0.113.5]. (S77719) "
                + "[BN8NAM12FT012.eop-nam12.prod.protection.outlook.com]"))).isTrue();
    }

    @Test
    void outlookRateLimitedForReputation() {
        assertThat(SlowDown.means(new Reply(451, "4.7.650", "The mail server [203.0.113.5] has been temporarily rate limited due to "
                + "IP reputation. For e-mail delivery information, see https://postmaster.live.com (S775)"))).isTrue();
    }

    // -- not about the site's pace: one message, one triplet, one recipient --

    @Test
    void postgreyGreylisting() {
        assertThat(SlowDown.means(new Reply(450, "4.7.1", "<bob@example.org>: Recipient address rejected: Greylisted, see "
                + "http://postgrey.schweikert.ch/help/example.org.html"))).isFalse();
    }

    @Test
    void milterGreylistGreylisting() {
        assertThat(SlowDown.means(new Reply(451, "4.7.1", "Greylisting in action, please come back in 00:05:00"))).isFalse();
    }

    @Test
    void rspamdGreylisting() {
        // rspamd's greylisting and soft-reject reply (Mailu, mailcow, Postal): a new triplet comes back later, as with
        // postgrey; it names no rate, volume or load
        assertThat(SlowDown.means(new Reply(451, "4.7.1", "Try again later"))).isFalse();
    }

    @Test
    void aPermanentRefusal() {
        assertThat(SlowDown.means(new Reply(550, "5.7.1", "Service unavailable, Client host [203.0.113.5] blocked using "
                + "zen.spamhaus.org; https://www.spamhaus.org/query/ip/203.0.113.5"))).isFalse();
        assertThat(SlowDown.means(new Reply(554, "5.7.1", "Too many messages, rate limit exceeded"))).as("whatever it says").isFalse();
    }

    @Test
    void tooManyRecipientsInOneMessage() { // RFC 5321 §4.5.3.1.10: the rest go in another transaction
        assertThat(SlowDown.means(new Reply(452, "4.5.3", "Too many recipients"))).isFalse();
    }

    @Test
    void oneRecipientReceivingTooFast() {
        // Gmail's 4.2.1 is about one mailbox (RFC 3463 X.2.1: mailbox disabled, not accepting messages): slowing down
        // all mail to Gmail for it would hold back every other recipient, and not help this one
        assertThat(SlowDown.means(new Reply(450, "4.2.1", List.of(
                "The user you are trying to contact is receiving mail at a rate that",
                "prevents additional messages from being delivered. Please resend your",
                "message at a later point. If the user is able to receive mail at that",
                "time, your message will be delivered. For more information, please",
                "visit https://support.google.com/mail/?p=ReceivingRate a1-20020a05600c - gsmtp")))).isFalse();
    }

    @Test
    void aFullMailbox() {
        assertThat(SlowDown.means(new Reply(452, "4.2.2", "The email account that you tried to reach is over quota"))).isFalse();
    }

    @Test
    void aPolicyAboutTheClientThatNamesNoRate() {
        assertThat(SlowDown.means(new Reply(450, "4.7.1", "Client host rejected: cannot find your reverse hostname, [203.0.113.5]")))
                .isFalse();
    }
}
