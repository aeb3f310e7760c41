package dev.facteur.policy.check;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.message.Mailbox;
import dev.facteur.message.QueueId;
import dev.facteur.message.ReversePath;
import dev.facteur.policy.ClientName;
import dev.facteur.policy.OptOut;
import dev.facteur.policy.Pipeline;
import dev.facteur.smtp.Reply;
import dev.facteur.store.MemoryRateStore;
import dev.facteur.testing.ManualClock;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Limits on how fast one client, network or sender domain may go. */
class RateLimitCheckTest {

    private final ManualClock clock = ManualClock.at(Instant.parse("2026-12-01T10:00:00Z"));
    private final MemoryRateStore store = new MemoryRateStore();

    private static RateLimitCheck.Settings limits(int connClient, int connNet, int msgClient, int msgDomain, int rcptClient) {
        return new RateLimitCheck.Settings(Duration.ofMinutes(1), connClient, connNet, msgClient, msgDomain, rcptClient, 24, 64, false);
    }

    private Pipeline pipeline(RateLimitCheck.Settings s) {
        return new Pipeline(List.of(new RateLimitCheck(store, s, clock)), a -> false, OptOut.DEFAULT,
                a -> new ClientName(ClientName.Status.NONE, null));
    }

    private static Mailbox box(String a) {
        int at = a.indexOf('@');
        return new Mailbox(a.substring(0, at), a.substring(at + 1));
    }

    private static Reply connect(Pipeline p, String client) throws Exception {
        return p.open(InetAddress.getByName(client)).connect();
    }

    @Test
    void connectionsOverTheLimitPerClientAreDroppedWith421() throws Exception {
        var p = pipeline(limits(3, 0, 0, 0, 0));
        for (int i = 0; i < 3; i++) assertThat(connect(p, "192.0.2.1")).isNull();
        Reply r = connect(p, "192.0.2.1");
        assertThat(r.code()).isEqualTo(421);
        assertThat(r.enhanced()).isEqualTo("4.7.0");
        assertThat(connect(p, "192.0.2.2")).as("another client").isNull();
        clock.advance(Duration.ofMinutes(2));
        assertThat(connect(p, "192.0.2.1")).as("a minute later").isNull();
    }

    @Test
    void connectionsAreAlsoCountedPerNetwork() throws Exception {
        var p = pipeline(limits(0, 2, 0, 0, 0));
        assertThat(connect(p, "192.0.2.1")).isNull();
        assertThat(connect(p, "192.0.2.2")).isNull();
        assertThat(connect(p, "192.0.2.3")).isNotNull();
        assertThat(connect(p, "198.51.100.1")).isNull();
    }

    @Test
    void messagesPerSenderDomainAreDeferredAtRcptWith451() throws Exception {
        var p = pipeline(limits(0, 0, 0, 2, 0));
        Reply last = null;
        for (int i = 0; i < 3; i++) {
            var s = p.open(InetAddress.getByName("192.0.2." + (i + 1))); // different clients, one sender domain
            s.connect();
            s.helo("c.example");
            s.mail(new QueueId.Generator().next(), ReversePath.of(box("news@bulk.example")), -1);
            last = s.rcpt(box("bob@example.test"));
        }
        assertThat(last.code()).isEqualTo(451);
        assertThat(last.enhanced()).isEqualTo("4.7.0");
    }

    @Test
    void recipientsPerClientCountEveryAttempt() throws Exception {
        var p = pipeline(limits(0, 0, 0, 0, 2));
        var s = p.open(InetAddress.getByName("192.0.2.1"));
        s.connect();
        s.helo("c.example");
        s.mail(new QueueId.Generator().next(), ReversePath.NULL, -1);
        assertThat(s.rcpt(box("a@example.test"))).isNull();
        assertThat(s.rcpt(box("b@example.test"))).isNull();
        assertThat(s.rcpt(box("c@example.test"))).isNotNull();
        assertThat(s.rcpt(box("postmaster@example.test"))).as("postmaster is always accepted").isNull();
    }

    @Test
    void explainingCountsNothing() throws Exception {
        var p = pipeline(limits(1, 0, 0, 0, 0));
        for (int i = 0; i < 3; i++) assertThat(p.explain(InetAddress.getByName("192.0.2.1"), (st, c, v, f) -> {}).connect()).isNull();
        assertThat(connect(p, "192.0.2.1")).isNull();
        assertThat(p.explain(InetAddress.getByName("192.0.2.1"), (st, c, v, f) -> {}).connect()).as("now one more would be over").isNotNull();
    }
}
