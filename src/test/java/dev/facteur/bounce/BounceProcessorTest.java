package dev.facteur.bounce;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.bounce.BounceProcessor.Handled;
import dev.facteur.events.Event;
import dev.facteur.events.EventType;
import dev.facteur.message.AddressSyntax;
import dev.facteur.message.Mailbox;
import dev.facteur.store.MemorySuppressionStore;
import dev.facteur.store.SuppressionStore.Reason;
import dev.facteur.testing.ManualClock;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** What comes back to the bounce domain is read, believed only as far as it can be, and acted on. */
class BounceProcessorTest {

    private static final String BOUNCE_DOMAIN = "bounces.example.com";
    private static final Mailbox BOB = mailbox("bob@example.org");

    private final ManualClock clock = ManualClock.stopped();
    private final Verp verp = new Verp(VerpSecrets.of("a secret"), clock);
    private final MemorySuppressionStore store = new MemorySuppressionStore();
    private final Suppressions suppressions = new Suppressions(store, SuppressionSettings.DEFAULT, clock);
    private final List<Event> events = new CopyOnWriteArrayList<>();
    private final BounceProcessor processor = new BounceProcessor(verp, suppressions, events::add, BOUNCE_DOMAIN, clock);

    private static Mailbox mailbox(String a) {
        return AddressSyntax.tryParseMailbox(a, true).orElseThrow();
    }

    private Mailbox verpFor(Mailbox recipient) {
        return ((VerpEncoded.Tagged) verp.encode(recipient, BOUNCE_DOMAIN)).returnPath();
    }

    /** A DSN as Postfix writes one, about {@code finalRecipient}, returning a header with {@code returnedHeader}. */
    private static byte[] dsn(String finalRecipient, String action, String status, String diagnostic, String returnedHeader) {
        return ("""
                From: MAILER-DAEMON@mx.example.org (Mail Delivery System)
                To: whoever@bounces.example.com
                Subject: Undelivered Mail Returned to Sender
                MIME-Version: 1.0
                Content-Type: multipart/report; report-type=delivery-status; boundary="B"

                --B
                Content-Type: text/plain

                I'm sorry to have to inform you that your message could not be delivered.

                --B
                Content-Type: message/delivery-status

                Reporting-MTA: dns; mx.example.org

                Final-Recipient: rfc822; %s
                Action: %s
                Status: %s
                Remote-MTA: dns; inbox.example.org
                Diagnostic-Code: smtp; %s

                --B
                Content-Type: text/rfc822-headers

                %s
                --B--
                """.formatted(finalRecipient, action, status, diagnostic, returnedHeader)).replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8);
    }

    private static final String OUR_HEADER = """
            From: News <news@news.example.com>
            To: bob@example.org
            Subject: This week
            Message-ID: <m1@news.example.com>
            Feedback-ID: news.example.com:bulk:facteur
            """;

    @Test
    void aHardBounceToAVerpAddressSuppressesTheRecipientItNamesInTheSendersScope() {
        var h = processor.process(verpFor(BOB), dsn("bob@example.org", "failed", "5.1.1", "550 5.1.1 <bob@example.org>: User unknown", OUR_HEADER));

        assertThat(h).isInstanceOfSatisfying(Handled.Bounced.class, b -> {
            assertThat(b.recipient()).isEqualTo(BOB);
            assertThat(b.bounceClass()).isEqualTo(BounceClass.HARD);
            assertThat(b.senderDomain()).isEqualTo("news.example.com");
        });
        assertThat(suppressions.check(BOB, "news.example.com")).hasValueSatisfying(e -> assertThat(e.reason()).isEqualTo(Reason.HARD_BOUNCE));
        assertThat(suppressions.check(BOB, "shop.example.com")).as("another sender's mail still goes").isEmpty();
        assertThat(events).singleElement().satisfies(e -> {
            assertThat(e.type()).isEqualTo(EventType.BOUNCED);
            assertThat(e.recipient()).isEqualTo("bob@example.org");
            assertThat(e.senderDomain()).contains("news.example.com");
            assertThat(e.bounceClass()).contains("hard");
            assertThat(e.enhancedStatus()).contains("5.1.1");
            assertThat(e.remoteMta()).contains("inbox.example.org");
            assertThat(e.attempt()).as("no attempt of ours: the receiver's own").isEmpty();
            assertThat(e.details()).containsEntry("report", "dsn").containsEntry("message_id", "<m1@news.example.com>")
                    .containsKey("suppressed_until");
        });
    }

    @Test
    void theVerpAddressSaysWhomTheBounceIsAboutWhenTheReportNamesTheRecipientOtherwise() {
        // the receiver forwarded bob to another mailbox, which is the one its DSN names
        var h = processor.process(verpFor(BOB), dsn("robert@elsewhere.example", "failed", "5.1.1", "550 5.1.1 no such user", OUR_HEADER));

        assertThat(h).isInstanceOfSatisfying(Handled.Bounced.class, b -> assertThat(b.recipient()).isEqualTo(BOB));
        assertThat(suppressions.check(BOB, "news.example.com")).isPresent();
        assertThat(suppressions.check(mailbox("robert@elsewhere.example"), "news.example.com")).isEmpty();
    }

    @Test
    void aPolicyRefusalIsReportedButSuppressesNothing() {
        var h = processor.process(verpFor(BOB), dsn("bob@example.org", "failed", "5.7.1", "550 5.7.1 Message rejected as spam", OUR_HEADER));

        assertThat(h).isInstanceOfSatisfying(Handled.Bounced.class, b -> assertThat(b.bounceClass()).isEqualTo(BounceClass.POLICY));
        assertThat(suppressions.check(BOB, "news.example.com")).isEmpty();
        assertThat(events).singleElement().satisfies(e -> assertThat(e.bounceClass()).contains("policy"));
    }

    @Test
    void softBouncesAreCountedUntilTheLimit() {
        for (int i = 1; i <= SuppressionSettings.DEFAULT.softBounceLimit(); i++) {
            processor.process(verpFor(BOB), dsn("bob@example.org", "failed", "4.2.2", "452 4.2.2 Mailbox full", OUR_HEADER));
            assertThat(suppressions.check(BOB, "news.example.com").isPresent()).as("after soft bounce %d", i)
                    .isEqualTo(i == SuppressionSettings.DEFAULT.softBounceLimit());
        }
        assertThat(events.getFirst().details()).containsEntry("soft_bounces", "1/5");
    }

    @Test
    void aBounceToAnAddressThatIsNoVerpAddressProvesNothing() {
        var h = processor.process(mailbox("fbl@" + BOUNCE_DOMAIN), dsn("bob@example.org", "failed", "5.1.1", "550 5.1.1 unknown", OUR_HEADER));

        assertThat(h).isInstanceOf(Handled.Ignored.class);
        assertThat(suppressions.check(BOB, "news.example.com")).isEmpty();
        assertThat(events).isEmpty();
    }

    @Test
    void aDelayNoticeIsNoBounce() {
        var h = processor.process(verpFor(BOB), dsn("bob@example.org", "delayed", "4.4.1", "connect to inbox.example.org: timed out", OUR_HEADER));

        assertThat(h).isInstanceOfSatisfying(Handled.Ignored.class, i -> assertThat(i.why()).contains("delayed"));
        assertThat(events).isEmpty();
    }

    @Test
    void theSenderDomainComesFromTheFeedbackIdThenTheFromThenTheBounceDomainsOwner() {
        assertThat(processor.senderDomain(returned(OUR_HEADER))).isEqualTo("news.example.com");
        assertThat(processor.senderDomain(returned("From: Shop <orders@Shop.Example.COM>\n"))).isEqualTo("shop.example.com");
        assertThat(processor.senderDomain(ReturnedMessage.NONE)).isEqualTo("example.com");
        assertThat(new BounceProcessor(verp, suppressions, events::add, "example.net", clock).senderDomain(ReturnedMessage.NONE))
                .as("a bounce domain of two labels is its own").isEqualTo("example.net");
    }

    private static ReturnedMessage returned(String header) {
        var r = ReportParser.parse(dsn("x@example.org", "failed", "5.1.1", "550 5.1.1 unknown", header));
        return ((Report.Bounce) r).returned();
    }

    /** An ARF report (RFC 5965) about a message whose header is {@code original}. */
    private static byte[] arf(String feedbackType, String originalRcptTo, String original) {
        return ("""
                From: fbl@isp.example
                To: fbl@bounces.example.com
                Subject: FW: This week
                MIME-Version: 1.0
                Content-Type: multipart/report; report-type=feedback-report; boundary="F"

                --F
                Content-Type: text/plain

                This is an email abuse report.

                --F
                Content-Type: message/feedback-report

                Feedback-Type: %s
                User-Agent: isp-fbl/1.0
                Version: 1
                %s
                --F
                Content-Type: text/rfc822-headers

                %s
                --F--
                """.formatted(feedbackType, originalRcptTo, original)).replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aComplaintAtAReportAddressNamesItsRecipientByTheReportedMessagesVerpReturnPath() {
        String original = "Return-Path: <" + verpFor(BOB) + ">\n" + OUR_HEADER.replace("To: bob@example.org\n", "To: undisclosed-recipients:;\n");
        var h = processor.process(mailbox("fbl@" + BOUNCE_DOMAIN), arf("abuse", "", original));

        assertThat(h).isInstanceOfSatisfying(Handled.Complained.class, c -> {
            assertThat(c.recipient()).isEqualTo(BOB);
            assertThat(c.feedbackType()).isEqualTo("abuse");
        });
        assertThat(suppressions.check(BOB, "news.example.com")).hasValueSatisfying(e -> {
            assertThat(e.reason()).isEqualTo(Reason.COMPLAINT);
            assertThat(e.expires()).as("a complaint never expires by default").isEmpty();
        });
        assertThat(events).singleElement().satisfies(e -> {
            assertThat(e.type()).isEqualTo(EventType.COMPLAINED);
            assertThat(e.details()).containsEntry("feedback_type", "abuse");
        });
    }

    @Test
    void aComplaintWithoutVerpIsBelievedFromOriginalRcptToThenTheReportedTo() {
        processor.process(mailbox("fbl@" + BOUNCE_DOMAIN), arf("abuse", "Original-Rcpt-To: carol@example.org", OUR_HEADER));
        processor.process(mailbox("fbl@" + BOUNCE_DOMAIN), arf("abuse", "", OUR_HEADER));

        assertThat(suppressions.check(mailbox("carol@example.org"), "news.example.com")).isPresent();
        assertThat(suppressions.check(BOB, "news.example.com")).isPresent();
    }

    @Test
    void aNotSpamReportOrARedactedOneChangesNothing() {
        assertThat(processor.process(mailbox("fbl@" + BOUNCE_DOMAIN), arf("not-spam", "", OUR_HEADER))).isInstanceOf(Handled.Ignored.class);
        assertThat(processor.process(mailbox("fbl@" + BOUNCE_DOMAIN), arf("abuse", "", "Subject: redacted\nFrom: news@news.example.com\n")))
                .isInstanceOfSatisfying(Handled.Ignored.class, i -> assertThat(i.why()).contains("names no recipient"));
        assertThat(events).isEmpty();
        assertThat(suppressions.check(BOB, "news.example.com")).isEmpty();
    }

    @Test
    void anOptOutReportUnsubscribes() {
        processor.process(verpFor(BOB), arf("opt-out", "", OUR_HEADER));

        assertThat(suppressions.check(BOB, "news.example.com")).hasValueSatisfying(e -> assertThat(e.reason()).isEqualTo(Reason.UNSUBSCRIBE));
    }

    @Test
    void autoRepliesAndPeoplesMailAreDropped() {
        byte[] vacation = "From: bob@example.org\r\nAuto-Submitted: auto-replied\r\nSubject: Out of office\r\n\r\nBack Monday.\r\n"
                .getBytes(StandardCharsets.US_ASCII);
        byte[] letter = "From: bob@example.org\r\nSubject: Re: This week\r\n\r\nPlease stop.\r\n".getBytes(StandardCharsets.US_ASCII);

        assertThat(processor.process(verpFor(BOB), vacation)).isInstanceOf(Handled.Ignored.class);
        assertThat(processor.process(verpFor(BOB), letter)).isInstanceOf(Handled.Ignored.class);
        assertThat(events).isEmpty();
        assertThat(store.list(java.util.Optional.empty(), "", 10, clock.instant()).entries()).isEmpty();
    }

    @Test
    void withTheListOffTheApplicationStillHearsOfTheBounce() {
        var off = new BounceProcessor(verp, null, events::add, BOUNCE_DOMAIN, clock);

        var h = off.process(verpFor(BOB), dsn("bob@example.org", "failed", "5.1.1", "550 5.1.1 unknown", OUR_HEADER));

        assertThat(h).isInstanceOfSatisfying(Handled.Bounced.class, b -> assertThat(b.decision()).isEmpty());
        assertThat(events).hasSize(1);
        assertThat(store.list(java.util.Optional.empty(), "", 10, clock.instant()).entries()).isEmpty();
    }
}
