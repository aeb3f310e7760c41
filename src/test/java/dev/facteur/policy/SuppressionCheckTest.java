package dev.facteur.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.bounce.BounceClass;
import dev.facteur.bounce.SuppressionSettings;
import dev.facteur.bounce.Suppressions;
import dev.facteur.events.Event;
import dev.facteur.events.EventType;
import dev.facteur.message.AddressSyntax;
import dev.facteur.message.Mailbox;
import dev.facteur.message.QueueId;
import dev.facteur.message.ReversePath;
import dev.facteur.smtp.Gate;
import dev.facteur.smtp.Reply;
import dev.facteur.store.MemorySuppressionStore;
import dev.facteur.store.StoreUnavailable;
import dev.facteur.store.SuppressionStore;
import dev.facteur.testing.ManualClock;
import java.net.InetAddress;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Trusted senders' recipients on the suppression list are refused at RCPT, and the application hears of it. */
class SuppressionCheckTest {

    private static final Gate OPEN = client -> new Gate.Session() {};
    private static final InetAddress RELAY = InetAddress.getLoopbackAddress();
    private static final Mailbox BOB = mailbox("bob@example.org");

    private final ManualClock clock = ManualClock.stopped();
    private final MemorySuppressionStore store = new MemorySuppressionStore();
    private final Suppressions suppressions = new Suppressions(store, SuppressionSettings.DEFAULT, clock);
    private final List<Event> events = new CopyOnWriteArrayList<>();

    private static Mailbox mailbox(String a) {
        return AddressSyntax.tryParseMailbox(a, true).orElseThrow();
    }

    private Reply rcpt(Gate gate, InetAddress client, boolean login, String sender, Mailbox to) {
        Gate.Session s = gate.open(client);
        if (login) s.authenticated("app", "PLAIN");
        s.mail(new QueueId.Generator().next(), ReversePath.of(mailbox(sender)), -1);
        return s.rcpt(to);
    }

    private SuppressionCheck gate(Suppressions s) {
        return new SuppressionCheck(OPEN, s, events::add, RELAY::equals, clock);
    }

    @Test
    void aSuppressedRecipientOfATrustedSenderIsRefusedWithTheReason() throws Exception {
        suppressions.bounced(BOB, "news.example.com", BounceClass.HARD, "550 5.1.1 <bob@example.org>: User unknown");

        Reply r = rcpt(gate(suppressions), RELAY, false, "app@news.example.com", BOB);

        assertThat(r.code()).isEqualTo(550);
        assertThat(r.enhanced()).isEqualTo("5.7.1");
        assertThat(String.join(" ", r.lines())).contains("<bob@example.org>", "suppressed", "hard-bounce", "User unknown");
        assertThat(rcpt(gate(suppressions), InetAddress.getByName("192.0.2.7"), true, "app@news.example.com", BOB))
                .as("a client that logged in is as trusted").isNotNull();
        assertThat(events).hasSize(2).first().satisfies(e -> {
            assertThat(e.type()).isEqualTo(EventType.SUPPRESSED);
            assertThat(e.queueId()).as("it never entered the queue").isEmpty();
            assertThat(e.sender()).isEqualTo("app@news.example.com");
            assertThat(e.recipient()).isEqualTo("bob@example.org");
            assertThat(e.enhancedStatus()).contains("5.7.1");
            assertThat(e.details()).containsEntry("reason", "hard-bounce").containsEntry("suppression_scope", "news.example.com");
        });
    }

    @Test
    void otherSendersAndOtherRecipientsGoOn() throws Exception {
        suppressions.bounced(BOB, "news.example.com", BounceClass.HARD, "550 5.1.1 unknown");

        assertThat(rcpt(gate(suppressions), RELAY, false, "app@shop.example.com", BOB)).as("another sender domain's list").isNull();
        assertThat(rcpt(gate(suppressions), RELAY, false, "app@news.example.com", mailbox("carol@example.org"))).isNull();
        assertThat(events).isEmpty();
    }

    @Test
    void mailFromTheInternetIsNotChecked() throws Exception {
        suppressions.bounced(BOB, "news.example.com", BounceClass.HARD, "550 5.1.1 unknown");

        assertThat(rcpt(gate(suppressions), InetAddress.getByName("192.0.2.7"), false, "app@news.example.com", BOB)).isNull();
    }

    @Test
    void aListThatCannotBeReachedLetsTheRecipientThrough() {
        SuppressionStore down = new MemorySuppressionStore() {
            @Override
            public synchronized Optional<Entry> find(Mailbox address, String senderDomain, Instant now) {
                throw new StoreUnavailable("redis is down", null);
            }
        };

        assertThat(rcpt(gate(new Suppressions(down, SuppressionSettings.DEFAULT, clock)), RELAY, false, "app@news.example.com", BOB)).isNull();
    }

    @Test
    void anEarlierCheckThatRefusesIsNotAskedAgain() {
        suppressions.bounced(BOB, "news.example.com", BounceClass.HARD, "550 5.1.1 unknown");
        Reply busy = new Reply(452, "4.5.3", "Too many recipients");
        Gate refusing = client -> new Gate.Session() {
            @Override
            public Reply rcpt(Mailbox recipient) {
                return busy;
            }
        };

        assertThat(rcpt(new SuppressionCheck(refusing, suppressions, events::add, RELAY::equals, clock), RELAY, false, "app@news.example.com", BOB))
                .isSameAs(busy);
        assertThat(events).isEmpty();
    }
}
