package dev.facteur.it.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.server.Facteur;
import dev.facteur.testing.Dnsmasq;
import dev.facteur.testing.FacteurCli;
import dev.facteur.testing.Loopback;
import dev.facteur.testing.TestConfig;
import dev.facteur.testing.WireClient;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The defences as an operator configures them: a whole Facteur started from its configuration,
 * dnsmasq serving a block list and reverse DNS, clients on loopback hosts of their own.
 */
class PolicyIT {

    @TempDir
    Path dir;

    private Dnsmasq dnsmasq;
    private Facteur facteur;
    private TestConfig config;
    private final String honest = Loopback.host();
    private final String listed = Loopback.host();

    private static String reversed(String ipv4) {
        return List.of(ipv4.split("\\.")).reversed().stream().collect(Collectors.joining("."));
    }

    @BeforeEach
    void start() throws Exception {
        dnsmasq = Dnsmasq.start(List.of("local=/test/", "local=/127.in-addr.arpa/",
                "host-record=mta.honest.test," + honest,
                "host-record=" + reversed(listed) + ".bl.test,127.0.0.2"));
        config = TestConfig.in(dir.resolve("data")).dns(dnsmasq.hostPort()).tables("""
                [relay]
                networks = ["127.0.0.1/32"]
                [local]
                domains = ["example.test"]
                users = ["bob"]
                [policy]
                checks = ["helo", "dnsbl", "greylist"]
                [policy.dnsbl]
                lists = ["bl.test"]
                [policy.greylist]
                client_names = ["honest.test"]
                """).delivery(Map.of()).admin(Loopback.host() + ":8025"); // a known address, for the CLI
        facteur = config.start();
    }

    @AfterEach
    void stop() throws Exception {
        if (facteur != null) facteur.close();
        if (dnsmasq != null) dnsmasq.close();
    }

    private WireClient from(String host, String helo) throws Exception {
        WireClient c = WireClient.connectFrom(facteur.smtpAddresses().getFirst(), host);
        c.expect(220, c.read());
        c.expect(250, c.command("EHLO " + helo));
        c.expect(250, c.command("MAIL FROM:<alice@sender.test>"));
        return c;
    }

    @Test
    void aListedClientIsRefusedForEveryoneButThePostmaster() throws Exception {
        try (var c = from(listed, "mta.listed.test")) {
            assertThat(c.ask("RCPT TO:<bob@example.test>")).startsWith("554 5.7.1 Service unavailable; client [" + listed + "] blocked using bl.test");
            assertThat(c.ask("RCPT TO:<postmaster@example.test>")).startsWith("250 ");
        }
    }

    @Test
    void aClientClaimingToBeUsIsRefused() throws Exception {
        try (var c = from(honest, "[127.0.0.1]")) { // one of our listen addresses
            assertThat(c.ask("RCPT TO:<bob@example.test>")).startsWith("550 5.7.1");
        }
    }

    @Test
    void aClientWhoseConfirmedNameIsExemptIsNotGreylisted() throws Exception {
        try (var c = from(honest, "mta.honest.test")) {
            assertThat(c.ask("RCPT TO:<bob@example.test>")).startsWith("250 ");
        }
    }

    @Test
    void facteurPolicyExplainsCheckByCheckAndRecordsNothing() throws Exception {
        Path file = config.writeTo(dir.resolve("facteur.toml"));
        var r = FacteurCli.run("policy", "--client", listed, "--helo", "mta.listed.test", "--from", "alice@sender.test",
                "bob@example.test", "--config", file.toString());
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).contains("connect: dnsbl: reject 554 5.7.1").contains("rcpt to <bob@example.test>: 554 5.7.1");

        var stranger = Loopback.host();
        var g = FacteurCli.run("policy", "--client", stranger, "--from", "alice@sender.test", "bob@example.test", "--config", file.toString());
        assertThat(g.stdout()).contains("rcpt: greylist: defer 451 4.7.1");
        var again = FacteurCli.run("policy", "--client", stranger, "--from", "alice@sender.test", "bob@example.test", "--config", file.toString());
        assertThat(again.stdout()).as("explaining recorded no first attempt").contains("(first attempt from");
    }
}
