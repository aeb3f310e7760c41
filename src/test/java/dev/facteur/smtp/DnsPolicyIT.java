package dev.facteur.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.dns.DnsJavaResolver;
import dev.facteur.message.QueueId;
import dev.facteur.net.HostPort;
import dev.facteur.policy.OptOut;
import dev.facteur.policy.Pipeline;
import dev.facteur.policy.check.Action;
import dev.facteur.policy.check.DnsListCheck;
import dev.facteur.policy.check.DnsListSettings;
import dev.facteur.policy.check.OnDnsFailure;
import dev.facteur.policy.check.ReverseDns;
import dev.facteur.policy.check.ReverseDnsCheck;
import dev.facteur.testing.Dnsmasq;
import dev.facteur.testing.ExternalProcess;
import dev.facteur.testing.Loopback;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The DNS checks over the wire: swaks, from loopback hosts that dnsmasq describes, against the
 * SMTP server asking a pipeline of the reverse DNS and DNSBL checks.
 */
class DnsPolicyIT {

    private Dnsmasq dnsmasq;
    private SmtpServer server;
    private final SmtpSessionTest.MemorySink sink = new SmtpSessionTest.MemorySink();

    @AfterEach
    void stop() {
        if (server != null) server.shutdown(Duration.ofSeconds(1));
        if (dnsmasq != null) dnsmasq.close();
    }

    private static String reversed(String ipv4) {
        return List.of(ipv4.split("\\.")).reversed().stream().collect(Collectors.joining("."));
    }

    private ExternalProcess.Result swaks(InetSocketAddress at, String from) throws Exception {
        return ExternalProcess.run(List.of("swaks", "--server", at.getAddress().getHostAddress(), "--port", String.valueOf(at.getPort()),
                "--local-interface", from, "--helo", "mta.example.org", "--from", "alice@example.org", "--to", "bob@example.test",
                "--timeout", "15"));
    }

    @Test
    void aListedClientIsRefusedAtRcptAndAConfirmedOneIsNamedInReceived() throws Exception {
        String honest = Loopback.host(), listed = Loopback.host();
        dnsmasq = Dnsmasq.start(List.of("local=/test/", "local=/127.in-addr.arpa/",
                "host-record=mta.example.test," + honest,
                "host-record=" + reversed(listed) + ".bl.test,127.0.0.2"));
        var dns = new DnsJavaResolver(List.of(dnsmasq.hostPort()), Duration.ofSeconds(2), 1);
        var gate = new Pipeline(List.of(
                new ReverseDnsCheck(new ReverseDnsCheck.Settings(ReverseDnsCheck.Require.CONFIRMED_NAME, Action.TAG, OnDnsFailure.DEFER)),
                new DnsListCheck(dns, DnsListSettings.of(List.of("bl.test")))), a -> false, OptOut.DEFAULT, new ReverseDns(dns));
        var settings = new SmtpSettings("mx.example.test", List.of(new HostPort("127.0.0.1", 0)), 10_000, 100, 3, 100, 10,
                Duration.ofMinutes(1), Duration.ofMinutes(1), SmtpSessionTest.EXAMPLE_TEST, null, SmtpSettings.Defences.DEFAULT);
        server = new SmtpServer(settings, sink, gate, new QueueId.Generator(), Clock.systemUTC());
        server.start();
        InetSocketAddress at = server.boundAddresses().getFirst();

        var refused = swaks(at, listed);
        assertThat(refused.stdout()).as(refused.toString())
                .contains("<** 554 5.7.1 Service unavailable; client [" + listed + "] blocked using bl.test");

        var accepted = swaks(at, honest);
        assertThat(accepted.exitCode()).as(accepted.toString()).isZero();
        assertThat(sink.stored).singleElement().satisfies(m -> assertThat(m.content())
                .as("its name, confirmed, before its address (RFC 5321 §4.4 TCP-info)")
                .startsWith("Received: from mta.example.org (mta.example.test [" + honest + "])"));
    }
}
