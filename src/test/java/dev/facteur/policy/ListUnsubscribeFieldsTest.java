package dev.facteur.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.bounce.UnsubscribeLinks;
import dev.facteur.bounce.UnsubscribeToken;
import dev.facteur.message.AddressSyntax;
import dev.facteur.message.Mailbox;
import dev.facteur.message.QueueId;
import dev.facteur.message.ReversePath;
import dev.facteur.smtp.Gate;
import dev.facteur.smtp.Reply;
import dev.facteur.testing.ManualClock;
import dev.facteur.testing.MemoryContent;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.LocalDate;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Which mail gets a one-click unsubscribe link: a trusted sender's bulk mail to exactly one
 * recipient elsewhere, that has no link of its own. Everything else goes as it came.
 */
class ListUnsubscribeFieldsTest {

    private static final InetAddress RELAY = InetAddress.getLoopbackAddress();
    private static final InetAddress OUTSIDE = address("192.0.2.7");
    private static final URI BASE = URI.create("https://unsubscribe.example.com/u");
    private static final String NEWSLETTER = "From: <news@news.example.com>\r\nPrecedence: bulk\r\nSubject: November\r\n\r\nbody\r\n";
    private static final Pattern LINK = Pattern.compile(
            "List-Unsubscribe: <https://unsubscribe\\.example\\.com/u/([A-Za-z0-9_-]+)>\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n");

    private final ManualClock clock = ManualClock.stopped();
    private final UnsubscribeLinks links = UnsubscribeLinks.of(clock, "s3cret");

    private static InetAddress address(String ip) {
        try {
            return InetAddress.getByName(ip);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static Mailbox mailbox(String a) {
        return AddressSyntax.tryParseMailbox(a, true).orElseThrow();
    }

    private Gate gate(Gate inner) {
        return new ListUnsubscribeFields(inner, links, BASE, d -> d.equals("facteur.test"), a -> a.equals(RELAY));
    }

    /** One transaction through a new session: the content as stored after the gate. */
    private String accept(Gate inner, InetAddress client, boolean login, String sender, List<String> recipients, String message)
            throws IOException {
        Gate.Session s = gate(inner).open(client);
        if (login) s.authenticated("app", "PLAIN");
        return transaction(s, sender, recipients, message);
    }

    private static String transaction(Gate.Session s, String sender, List<String> recipients, String message) throws IOException {
        s.mail(new QueueId.Generator().next(), sender.isEmpty() ? ReversePath.NULL : ReversePath.of(mailbox(sender)), -1);
        for (String r : recipients) s.rcpt(mailbox(r));
        var content = new MemoryContent(message);
        if (s.readsContent()) s.endOfData(content);
        s.reset();
        return content.text();
    }

    private String accept(String sender, List<String> recipients, String message) throws IOException {
        return accept(Gate.OPEN, RELAY, false, sender, recipients, message);
    }

    /** The link's token read back, when the message starts with the two fields. */
    private UnsubscribeToken linked(String out, String message) {
        Matcher m = LINK.matcher(out);
        assertThat(m.lookingAt()).as("the two fields on top of:\n" + out).isTrue();
        assertThat(out.substring(m.end())).isEqualTo(message);
        return links.read(m.group(1));
    }

    @Test
    void bulkMailToOneRecipientElsewhereGetsBothFieldsNamingRecipientAndSenderDomain() throws IOException { // RFC 8058 §3.1
        String out = accept("news@News.Example.com", List.of("alice@example.org"), NEWSLETTER);
        assertThat(linked(out, NEWSLETTER)).isEqualTo(
                new UnsubscribeToken.Genuine(mailbox("alice@example.org"), "news.example.com", LocalDate.of(2026, 11, 28)));
    }

    @Test
    void precedenceListAndListIdMarkBulkMailToo() throws IOException {
        for (String header : List.of("Precedence: list\r\n", "precedence:  BULK (newsletter)\r\n", "List-Id: November news <news.example.com>\r\n")) {
            String message = header + "Subject: x\r\n\r\nbody\r\n";
            assertThat(linked(accept("news@news.example.com", List.of("alice@example.org"), message), message))
                    .as(header).isInstanceOf(UnsubscribeToken.Genuine.class);
        }
    }

    @Test
    void aLoggedInClientsBulkMailGetsThemAsARelayNetworksDoes() throws IOException {
        String out = accept(Gate.OPEN, OUTSIDE, true, "news@news.example.com", List.of("alice@example.org"), NEWSLETTER);
        assertThat(linked(out, NEWSLETTER)).isInstanceOf(UnsubscribeToken.Genuine.class);
    }

    @Test
    void transactionalMailGetsNone() throws IOException { // a password reset has nothing to unsubscribe from
        for (String message : List.of("Subject: Reset your password\r\n\r\nbody\r\n", "Precedence: junk\r\nSubject: x\r\n\r\nbody\r\n",
                "Subject: x\r\n\r\nPrecedence: bulk\r\n")) {
            assertThat(accept("app@news.example.com", List.of("alice@example.org"), message)).isEqualTo(message);
        }
    }

    @Test
    void mailToSeveralRecipientsGetsNone() throws IOException { // a link names one recipient, and every recipient gets the same copy
        assertThat(accept("news@news.example.com", List.of("alice@example.org", "bob@example.net"), NEWSLETTER)).isEqualTo(NEWSLETTER);
        String twice = accept("news@news.example.com", List.of("alice@example.org", "ALICE@example.org"), NEWSLETTER);
        assertThat(linked(twice, NEWSLETTER)).as("one recipient given twice is one").isInstanceOf(UnsubscribeToken.Genuine.class);
    }

    @Test
    void aMessageWithItsOwnLinkKeepsIt() throws IOException {
        for (String own : List.of("List-Unsubscribe: <https://app.example.com/unsub/42>\r\n", "list-unsubscribe-post: List-Unsubscribe=One-Click\r\n")) {
            String message = own + NEWSLETTER;
            assertThat(accept("news@news.example.com", List.of("alice@example.org"), message)).as(own).isEqualTo(message);
        }
    }

    @Test
    void mailFromOutsideMailToOurOwnUsersAndMailWithoutASenderDomainGetNone() throws IOException {
        assertThat(accept(Gate.OPEN, OUTSIDE, false, "news@news.example.com", List.of("alice@example.org"), NEWSLETTER)).isEqualTo(NEWSLETTER);
        assertThat(accept("news@news.example.com", List.of("bob@facteur.test"), NEWSLETTER)).isEqualTo(NEWSLETTER);
        assertThat(accept("", List.of("alice@example.org"), NEWSLETTER)).as("the null sender").isEqualTo(NEWSLETTER);
        assertThat(accept("news@[192.0.2.1]", List.of("alice@example.org"), NEWSLETTER)).as("no sender domain").isEqualTo(NEWSLETTER);
    }

    @Test
    void aRecipientTheGatesBeforeRefusedDoesNotCount() throws IOException {
        Gate refusesBob = client -> new Gate.Session() {
            @Override
            public Reply rcpt(Mailbox recipient) {
                return recipient.localPart().equals("bob") ? new Reply(550, "5.7.1", "not bob") : null;
            }
        };
        String out = accept(refusesBob, RELAY, false, "news@news.example.com", List.of("bob@example.net", "alice@example.org"), NEWSLETTER);
        assertThat(linked(out, NEWSLETTER)).isInstanceOfSatisfying(UnsubscribeToken.Genuine.class,
                g -> assertThat(g.recipient()).isEqualTo(mailbox("alice@example.org")));
    }

    @Test
    void aMailFilterThatChangedTheRecipientsLeavesTheMessageWithout() throws IOException {
        Gate addsOne = client -> new Gate.Session() {
            @Override
            public boolean readsContent() {
                return true;
            }

            @Override
            public Gate.EndOfData endOfData(Gate.Content content) {
                return new Gate.EndOfData.Pass(null, List.of(new Gate.EndOfData.AddedRecipient("<archive@example.net>", "")), List.of());
            }
        };
        assertThat(accept(addsOne, RELAY, false, "news@news.example.com", List.of("alice@example.org"), NEWSLETTER)).isEqualTo(NEWSLETTER);
    }

    @Test
    void eachTransactionOfASessionCountsItsOwnRecipients() throws IOException {
        Gate.Session s = gate(Gate.OPEN).open(RELAY);
        assertThat(transaction(s, "news@news.example.com", List.of("alice@example.org", "bob@example.net"), NEWSLETTER)).isEqualTo(NEWSLETTER);
        assertThat(linked(transaction(s, "news@news.example.com", List.of("bob@example.net"), NEWSLETTER), NEWSLETTER))
                .isInstanceOfSatisfying(UnsubscribeToken.Genuine.class, g -> assertThat(g.recipient()).isEqualTo(mailbox("bob@example.net")));
    }
}
