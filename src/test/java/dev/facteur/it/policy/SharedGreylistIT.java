package dev.facteur.it.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.server.Facteur;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two Facteur nodes behind one MX name share their greylist through Redis: a client greylisted
 * by one node passes the other when it retries (MTAs retry any MX host), and a Redis that goes
 * away gives each node its configured verdict, not a crash.
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
