package dev.facteur.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.message.Mailbox;
import dev.facteur.message.QueueId;
import dev.facteur.message.ReversePath;
import dev.facteur.smtp.Gate;
import dev.facteur.testing.MemoryContent;
import java.io.IOException;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** The Feedback-ID field of trusted senders' mail: SENDER-DOMAIN:STREAM:SENDER-ID, never twice. */
class FeedbackIdsTest {

    private static final Gate OPEN = client -> new Gate.Session() {};
    private static final InetAddress RELAY = InetAddress.getLoopbackAddress();

    private static FeedbackIds gate() {
        return new FeedbackIds(OPEN, "facteur-test", d -> d.equals("news.example.org") ? "bulk" : null,
                a -> a.equals(RELAY));
    }

    private static String accept(Gate gate, InetAddress client, boolean login, String sender, String message) throws IOException {
        Gate.Session s = gate.open(client);
        if (login) s.authenticated("alice", "PLAIN");
        s.mail(new QueueId.Generator().next(), ReversePath.of(new Mailbox(sender.substring(0, sender.indexOf('@')), sender.substring(sender.indexOf('@') + 1))), -1);
        var content = new MemoryContent(message);
        assertThat(s.readsContent()).isEqualTo(login || client.equals(RELAY));
        s.endOfData(content);
        return content.text();
    }

    @Test
    void aTrustedSendersMailGetsItsDomainStreamAndOurId() throws IOException {
        String out = accept(gate(), RELAY, false, "app@news.example.org", "Subject: hi\r\n\r\nbody\r\n");
        assertThat(out).isEqualTo("Feedback-ID: news.example.org:bulk:facteur-test\r\nSubject: hi\r\n\r\nbody\r\n");
        assertThat(accept(gate(), InetAddress.getByName("192.0.2.7"), true, "alice@example.org", "Subject: x\r\n\r\n"))
                .startsWith("Feedback-ID: example.org:default:facteur-test\r\n");
    }

    @Test
    void mailFromOutsideAndMailThatHasOneAreLeftAlone() throws IOException {
        String message = "Subject: hi\r\n\r\nbody\r\n";
        assertThat(accept(gate(), InetAddress.getByName("192.0.2.7"), false, "x@elsewhere.example", message)).isEqualTo(message);
        String tagged = "feedback-id: 42:app:campaign7\r\nSubject: hi\r\n\r\nbody\r\n";
        assertThat(accept(gate(), RELAY, false, "app@news.example.org", tagged)).isEqualTo(tagged);
    }
}
