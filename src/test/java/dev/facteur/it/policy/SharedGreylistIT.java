package dev.facteur.it.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.server.Facteur;
import dev.facteur.testing.Dnsmasq;
import dev.facteur.testing.Loopback;
import dev.facteur.testing.ManualClock;
import dev.facteur.testing.RedisServer;
import dev.facteur.testing.TestConfig;
import dev.facteur.testing.WireClient;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two Facteur nodes behind one MX name share their greylist and their DNS answers through Redis:
 * a client greylisted by one node passes the other when it retries (MTAs retry any MX host), a
 * block list is asked once for both, and a Redis that goes away gives each node its configured
 * verdict, not a crash.
 */
class SharedGreylistIT {

    @TempDir
    Path dir;

    private RedisServer redis;
    private Facteur a;
    private Facteur b;
    private final ManualClock clock = ManualClock.at(Instant.parse("2026-12-01T10:00:00Z"));

    @AfterEach
    void stop() throws Exception {
        if (a != null) a.close();
        if (b != null) b.close();
        if (redis != null) redis.close();
    }

    private Facteur node(String name, URI store, String onFailure) throws Exception {
        return TestConfig.in(dir.resolve(name)).tables("""
                [relay]
                networks = ["127.0.0.1/32"]
                [local]
                domains = ["example.test"]
                users = ["bob"]
                [policy]
                checks = ["greylist"]
                store = "%s"
                [policy.greylist]
                on_store_failure = "%s"
                """.formatted(store, onFailure)).start(clock);
    }

    private static String rcpt(InetSocketAddress node, String client) throws Exception {
        try (var c = WireClient.connectFrom(node, client)) {
            c.expect(220, c.read());
            c.expect(250, c.command("EHLO mta.sender.test"));
            c.expect(250, c.command("MAIL FROM:<alice@sender.test>"));
            return c.ask("RCPT TO:<bob@example.test>");
        }
    }

    @Test
    void aClientGreylistedByOneNodePassesTheOtherAfterTheDelay() throws Exception {
        redis = RedisServer.start(null);
        a = node("a", redis.uri(), "accept");
        b = node("b", redis.uri(), "accept");
        String client = Loopback.host();
        assertThat(rcpt(a.smtpAddresses().getFirst(), client)).startsWith("451 4.7.1");
        assertThat(rcpt(b.smtpAddresses().getFirst(), client)).as("too early, on the other node too").startsWith("451 4.7.1");
        clock.advance(Duration.ofMinutes(6));
        assertThat(rcpt(b.smtpAddresses().getFirst(), client)).startsWith("250 ");
        assertThat(rcpt(a.smtpAddresses().getFirst(), client)).as("known to both now").startsWith("250 ");
    }

    @Test
    void aBlockListIsAskedOncePerClientByTheWholeCluster() throws Exception {
        String listed = Loopback.host();
        String reversed = String.join(".", List.of(listed.split("\\.")).reversed());
        try (var dnsmasq = Dnsmasq.start(List.of("local=/test/", "log-queries",
                "host-record=" + reversed + ".bl.test,127.0.0.2"))) { // TTL 0: no resolver of its own keeps it
            redis = RedisServer.start(null);
            String dnsbl = """
                    [relay]
                    networks = ["127.0.0.1/32"]
                    [local]
                    domains = ["example.test"]
                    users = ["bob"]
                    [policy]
                    checks = ["dnsbl"]
                    store = "%s"
                    [policy.dnsbl]
                    lists = ["bl.test"]
                    """.formatted(redis.uri());
            a = TestConfig.in(dir.resolve("a")).dns(dnsmasq.hostPort()).tables(dnsbl).start(clock);
            b = TestConfig.in(dir.resolve("b")).dns(dnsmasq.hostPort()).tables(dnsbl).start(clock);
            assertThat(rcpt(a.smtpAddresses().getFirst(), listed)).startsWith("554 5.7.1");
            assertThat(rcpt(b.smtpAddresses().getFirst(), listed)).startsWith("554 5.7.1");
            assertThat(rcpt(a.smtpAddresses().getFirst(), listed)).startsWith("554 5.7.1");
            String question = "query[A] " + reversed + ".bl.test";
            assertThat(dnsmasq.log().lines().filter(l -> l.contains(question))).as("asked by one node, for both").hasSize(1);
            clock.advance(Duration.ofSeconds(61)); // dnsmasq's TTL 0 is kept for the minimum, 60 s
            assertThat(rcpt(b.smtpAddresses().getFirst(), listed)).startsWith("554 5.7.1");
            assertThat(dnsmasq.log().lines().filter(l -> l.contains(question))).hasSize(2);
        }
    }

    @Test
    void whenRedisGoesAwayEachNodeGivesItsConfiguredVerdict() throws Exception {
        redis = RedisServer.start(null);
        a = node("a", redis.uri(), "accept");
        b = node("b", redis.uri(), "defer");
        redis.kill();
        String client = Loopback.host();
        assertThat(rcpt(a.smtpAddresses().getFirst(), client)).as("accept, logged").startsWith("250 ");
        assertThat(rcpt(b.smtpAddresses().getFirst(), client)).startsWith("451 4.3.0");
    }
}
