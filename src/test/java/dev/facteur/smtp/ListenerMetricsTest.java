package dev.facteur.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.message.QueueId;
import dev.facteur.metrics.Metrics;
import dev.facteur.net.HostPort;
import dev.facteur.testing.ManualClock;
import dev.facteur.testing.Patience;
import dev.facteur.testing.PrometheusText;
import dev.facteur.testing.TestCertificates;
import dev.facteur.testing.WireClient;
import dev.facteur.tls.PemTls;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a listener counts, seen from a client over real loopback sockets: each connection, each
 * reply by class, the message taken, the recipient refused with its reason, the TLS session, and
 * the session's end.
 */
class ListenerMetricsTest {

    @TempDir
    Path dir;

    private final Metrics metrics = Metrics.prometheus(ManualClock.stopped());
    private SmtpServer server;

    private InetSocketAddress start(int maxConnectionsPerIp) throws Exception {
        var cert = TestCertificates.selfSigned(List.of("mx.example.test"), Instant.now().minusSeconds(60), Instant.now().plusSeconds(86400));
        SSLContext tls = PemTls.serverContext(TestCertificates.writeChain(dir.resolve("cert.pem"), cert.certificate()),
                TestCertificates.writeKey(dir.resolve("key.pem"), cert.keys()));
        var settings = new SmtpSettings("mx.example.test", List.of(new HostPort("127.0.0.1", 0)), 10_000, 100, 20, 10, maxConnectionsPerIp,
                Duration.ofMinutes(5), Duration.ofMinutes(10), SmtpSessionTest.EXAMPLE_TEST, tls, SmtpSettings.Defences.DEFAULT);
        server = new SmtpServer(settings, new SmtpSessionTest.MemorySink(), new QueueId.Generator(), Clock.systemUTC());
        server.measuredBy(metrics, "submission");
        server.start();
        return server.boundAddresses().getFirst();
    }

    @AfterEach
    void stop() {
        if (server != null) server.shutdown(Duration.ofSeconds(1));
    }

    private PrometheusText scrape() {
        return PrometheusText.parse(metrics.scrape());
    }

    private double value(String name, String... labels) {
        String[] all = new String[labels.length + 2];
        all[0] = "listener";
        all[1] = "submission";
        System.arraycopy(labels, 0, all, 2, labels.length);
        return scrape().value(name, all);
    }

    @Test
    void aSessionIsCountedReplyByReplyAndEndsAtZero() throws Exception {
        var at = start(10);
        try (WireClient c = WireClient.connect(at)) {
            assertThat(c.reply()).startsWith("220");
            assertThat(value("facteur_smtp_sessions_active")).isEqualTo(1);
            assertThat(c.ask("EHLO client.example")).startsWith("250");
            assertThat(c.ask("STARTTLS")).startsWith("220");
            c.startTls("mx.example.test");
            assertThat(c.ask("EHLO client.example")).startsWith("250");
            assertThat(c.ask("MAIL FROM:<a@example.org>")).startsWith("250");
            assertThat(c.ask("RCPT TO:<nobody@example.test>")).startsWith("550 5.1.1");
            assertThat(c.ask("RCPT TO:<b@example.test>")).startsWith("250");
            assertThat(c.ask("DATA")).startsWith("354");
            assertThat(c.ask("Subject: counted\r\n\r\nbody\r\n.")).startsWith("250");
            assertThat(c.ask("QUIT")).startsWith("221");
        }
        Patience.await("the session ends").until(() -> value("facteur_smtp_sessions_active") == 0);

        assertThat(value("facteur_smtp_connections_total")).isEqualTo(1);
        assertThat(value("facteur_smtp_replies_total", "class", "2xx")).as("220 250 220 250 250 250 250 221").isEqualTo(8);
        assertThat(value("facteur_smtp_replies_total", "class", "3xx")).isEqualTo(1);
        assertThat(value("facteur_smtp_replies_total", "class", "5xx")).isEqualTo(1);
        assertThat(value("facteur_messages_accepted_total")).isEqualTo(1);
        assertThat(value("facteur_messages_refused_total", "reason", "recipients")).isEqualTo(1);
        assertThat(scrape().sum("facteur_messages_refused_total")).isEqualTo(1);
        assertThat(scrape().value("facteur_tls_sessions_total", "direction", "inbound", "version", "TLSv1.3")).isEqualTo(1);
    }

    @Test
    void aConnectionRefusedAtTheDoorIsCountedWithItsReply() throws Exception {
        var at = start(1);
        try (WireClient first = WireClient.connect(at); WireClient second = WireClient.connect(at)) {
            assertThat(first.reply()).startsWith("220");
            assertThat(second.reply()).startsWith("421 4.7.0 Too many connections from your address");
            assertThat(value("facteur_smtp_connections_total")).isEqualTo(2);
            assertThat(value("facteur_smtp_replies_total", "class", "4xx")).isEqualTo(1);
            assertThat(value("facteur_smtp_sessions_active")).as("the refused one never had a session").isEqualTo(1);
        }
    }
}
