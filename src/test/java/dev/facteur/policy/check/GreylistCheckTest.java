package dev.facteur.policy.check;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.message.Mailbox;
import dev.facteur.message.QueueId;
import dev.facteur.message.ReversePath;
import dev.facteur.net.Cidr;
import dev.facteur.policy.ClientName;
import dev.facteur.policy.OptOut;
import dev.facteur.policy.Pipeline;
import dev.facteur.smtp.Reply;
import dev.facteur.store.GreylistStore;
import dev.facteur.store.MemoryGreylistStore;
import dev.facteur.store.StoreUnavailable;
import dev.facteur.testing.ManualClock;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** RFC 6647 greylisting, postgrey's way. */
class GreylistCheckTest {

    private static final GreylistStore.Timing TIMING = new GreylistStore.Timing(Duration.ofMinutes(5), Duration.ofHours(24), Duration.ofDays(35));
    private final ManualClock clock = ManualClock.at(Instant.parse("2026-12-01T10:00:00Z"));
    private final MemoryGreylistStore store = new MemoryGreylistStore();
    private Map<String, String> names = Map.of(); // client address -> confirmed name

    private GreylistCheck.Settings settings(int autoWhitelist, List<String> clients, List<String> clientNames, List<String> recipients,
            boolean byName) {
        return new GreylistCheck.Settings(TIMING, autoWhitelist, clients.stream().map(Cidr::parse).toList(), clientNames, recipients, byName,
                24, 64, false);
    }

    private GreylistCheck.Settings plain() {
        return settings(0, List.of(), List.of(), List.of(), false);
    }

    /** One delivery attempt of a message: the reply to RCPT (null: accepted), with the headers the pipeline would add. */
    private Reply attempt(GreylistCheck.Settings s, String client, String from, String to) throws Exception {
        return session(new GreylistCheck(store, s, clock), client, from).rcpt(box(to));
    }

    private Pipeline.PolicySession session(GreylistCheck check, String client, String from) throws Exception {
        var p = new Pipeline(List.of(check), a -> false, OptOut.DEFAULT, a -> names.containsKey(a.getHostAddress())
                ? new ClientName(ClientName.Status.CONFIRMED, names.get(a.getHostAddress())) : new ClientName(ClientName.Status.NONE, null));
        var s = (Pipeline.PolicySession) p.open(InetAddress.getByName(client));
        s.connect();
        s.helo("mta.example");
        s.mail(new QueueId.Generator().next(), ReversePath.of(box(from)), -1);
        return s;
    }

    private static Mailbox box(String a) {
        int at = a.indexOf('@');
        return new Mailbox(a.substring(0, at), a.substring(at + 1));
    }

    @Test
    void theFirstAttemptIsDeferredWithAClearTextAndARetryAfterTheDelayPasses() throws Exception {
        Reply first = attempt(plain(), "192.0.2.10", "a@sender.example", "bob@example.test");
        assertThat(first.code()).isEqualTo(451);
        assertThat(first.enhanced()).isEqualTo("4.7.1");
        assertThat(first.lines().getFirst()).contains("Greylisted").contains("5 minutes");

        clock.advance(Duration.ofMinutes(4));
        assertThat(attempt(plain(), "192.0.2.10", "a@sender.example", "bob@example.test")).as("too early").isNotNull();
        clock.advance(Duration.ofMinutes(2));
        var check = new GreylistCheck(store, plain(), clock);
        var s = session(check, "192.0.2.10", "a@sender.example");
        assertThat(s.rcpt(box("bob@example.test"))).isNull();
        assertThat(s.headers()).singleElement().asString().startsWith("X-Greylist: passed after a retry");
        clock.advance(Duration.ofDays(10));
        assertThat(attempt(plain(), "192.0.2.10", "a@sender.example", "bob@example.test")).as("known").isNull();
    }

    @Test
    void theTripletIsTheClientNetworkTheSenderAndTheRecipient() throws Exception {
        attempt(plain(), "192.0.2.10", "a@sender.example", "bob@example.test");
        clock.advance(Duration.ofMinutes(6));
        assertThat(attempt(plain(), "192.0.2.99", "A@Sender.Example", "Bob@example.test")).as("same /24, case aside").isNull();
        assertThat(attempt(plain(), "192.0.2.99", "other@sender.example", "bob@example.test")).isNotNull();
        assertThat(attempt(plain(), "192.0.2.99", "a@sender.example", "carol@example.test")).isNotNull();
        assertThat(attempt(plain(), "198.51.100.10", "a@sender.example", "bob@example.test")).isNotNull();
    }

    @Test
    void aFirstAttemptNotRetriedWithinTheWindowIsForgotten() throws Exception {
        attempt(plain(), "192.0.2.10", "a@sender.example", "bob@example.test");
        clock.advance(Duration.ofHours(25));
        assertThat(attempt(plain(), "192.0.2.10", "a@sender.example", "bob@example.test")).isNotNull();
    }

    @Test
    void aClientWhoseRetriesCameThroughEnoughTimesIsNoLongerGreylisted() throws Exception { // postgrey --auto-whitelist-clients
        var s = settings(2, List.of(), List.of(), List.of(), false);
        for (String to : List.of("r1@example.test", "r2@example.test")) {
            attempt(s, "192.0.2.10", "a@sender.example", to);
            clock.advance(Duration.ofMinutes(6));
            assertThat(attempt(s, "192.0.2.10", "a@sender.example", to)).isNull();
        }
        assertThat(attempt(s, "192.0.2.10", "new@sender.example", "r3@example.test")).isNull();
        assertThat(attempt(s, "198.51.100.1", "new@sender.example", "r3@example.test")).as("another network").isNotNull();
    }

    @Test
    void exemptClientsByAddressAndNameAndExemptRecipientsAreNotGreylisted() throws Exception {
        names = Map.of("203.0.113.5", "mail-a1.bigmail.example");
        var s = settings(0, List.of("198.51.100.0/24"), List.of("bigmail.example"), List.of("@lists.example.test"), false);
        assertThat(attempt(s, "198.51.100.7", "a@x.example", "bob@example.test")).isNull();
        assertThat(attempt(s, "203.0.113.5", "a@x.example", "bob@example.test")).isNull();
        assertThat(attempt(s, "192.0.2.1", "a@x.example", "dev@lists.example.test")).isNull();
        assertThat(attempt(s, "192.0.2.1", "a@x.example", "bob@example.test")).isNotNull();
    }

    @Test
    void aLargeSenderRetryingFromAnotherAddressOfItsPoolPassesWhenMatchedByName() throws Exception {
        names = Map.of("203.0.113.5", "out-1.pool.bigmail.example", "198.51.100.9", "out-2.pool.bigmail.example");
        var s = settings(0, List.of(), List.of(), List.of(), true);
        attempt(s, "203.0.113.5", "a@bigmail.example", "bob@example.test");
        clock.advance(Duration.ofMinutes(6));
        assertThat(attempt(s, "198.51.100.9", "a@bigmail.example", "bob@example.test")).isNull();
        assertThat(attempt(plain(), "198.51.100.9", "b@bigmail.example", "bob@example.test")).as("by network, it would wait").isNotNull();
    }

    @Test
    void explainingDoesNotRecordTheAttempt() throws Exception {
        var check = new GreylistCheck(store, plain(), clock);
        var p = new Pipeline(List.of(check), a -> false, OptOut.DEFAULT, a -> new ClientName(ClientName.Status.NONE, null));
        var s = p.explain(InetAddress.getByName("192.0.2.10"), (st, c, v, f) -> {});
        s.connect();
        s.helo("mta.example");
        s.mail(new QueueId.Generator().next(), ReversePath.of(box("a@sender.example")), -1);
        assertThat(s.rcpt(box("bob@example.test"))).isNotNull();
        clock.advance(Duration.ofMinutes(6));
        assertThat(attempt(plain(), "192.0.2.10", "a@sender.example", "bob@example.test")).as("still a first attempt").isNotNull();
    }

    @Test
    void whenTheStoreIsUnavailableTheConfiguredVerdictApplies() throws Exception {
        GreylistStore broken = new GreylistStore() {
            public Seen attempt(String t, Instant now, Timing timing) {
                throw new StoreUnavailable("redis is down", null);
            }

            public Seen peek(String t, Instant now, Timing timing) {
                throw new StoreUnavailable("redis is down", null);
            }

            public int retried(String c, Instant now, Timing timing) {
                throw new StoreUnavailable("redis is down", null);
            }

            public int retries(String c, Instant now, Timing timing) {
                return 0;
            }

            public void close() {}
        };
        var accept = new GreylistCheck(broken, plain(), clock);
        assertThat(session(accept, "192.0.2.10", "a@x.example").rcpt(box("bob@example.test"))).isNull();
        var defer = new GreylistCheck(broken, new GreylistCheck.Settings(TIMING, 0, List.of(), List.of(), List.of(), false, 24, 64, true), clock);
        assertThat(session(defer, "192.0.2.10", "a@x.example").rcpt(box("bob@example.test"))).isEqualTo(GreylistCheck.STORE_FAILED);
    }
}
