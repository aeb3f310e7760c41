package dev.facteur.it.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.admin.TokenFile;
import dev.facteur.testing.MaildirReader;
import dev.facteur.testing.Patience;
import dev.facteur.testing.PrometheusText;
import dev.facteur.testing.SmtpSink;
import dev.facteur.testing.WireClient;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A running Facteur's {@code /metrics}, scraped as Prometheus would, tells what happened: the mail
 * sent to it over SMTP, its deliveries to a local Maildir and to a remote MTA (smtp-sink), the
 * refused recipient, the spool's commits, and a queue empty again. The scrape needs the admin token.
 */
class MetricsIT {

    private static final int N = 5;

    @TempDir
    Path dir;

    private String local() {
        return """
                [local]
                domains = ["facteur.test"]
                users = ["alice"]
                maildir = '%s/{domain}/{user}'
                """.formatted(dir.resolve("mail"));
    }

    private static HttpResponse<String> scrape(InetSocketAddress admin, String authorization) throws Exception {
        var request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin.getPort() + "/metrics"));
        if (authorization != null) request.header("Authorization", authorization);
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    @Test
    void theScrapeCountsTheMailSentItsDeliveriesAndAnEmptyQueue() throws Exception {
        String remoteHost = MailWorld.newHost();
        try (var world = MailWorld.start(dir, MailWorld.mx("remote.test", remoteHost), Map.of(), local())) {
            SmtpSink remote = world.sink(remoteHost);
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < N; i++)
                ids.add(world.submit("someone@sender.test", List.of("alice@facteur.test", "bob@remote.test"), "Counted " + i));
            try (WireClient c = WireClient.ready(world.smtp(), "client.sender.test")) {
                c.expect(250, c.command("MAIL FROM:<someone@sender.test>"));
                c.expect(550, c.command("RCPT TO:<nobody@facteur.test>"));
                c.expect(221, c.command("QUIT"));
            }
            for (String id : ids) world.awaitGone(id);
            Patience.await("alice's Maildir holds " + N).until(() -> MaildirReader.read(dir.resolve("mail/facteur.test/alice")), m -> m.size() == N);
            MailWorld.awaitReceived(remote, N);

            InetSocketAddress admin = world.facteur().adminAddress().orElseThrow();
            String token = "Bearer " + TokenFile.clientToken(world.facteur().config().admin().tokenFile());
            // the last session's end is counted once its connection is closed, after its 221
            Patience.await("every SMTP session has ended").until(() -> PrometheusText.parse(scrape(admin, token).body())
                    .value("facteur_smtp_sessions_active", "listener", "smtp") == 0);
            HttpResponse<String> response = scrape(admin, token);
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
            var text = PrometheusText.parse(response.body());

            assertThat(text.value("facteur_messages_accepted_total", "listener", "smtp")).isEqualTo(N);
            assertThat(text.value("facteur_smtp_connections_total", "listener", "smtp")).isEqualTo(N + 1);
            // per message: 220 greeting, EHLO, MAIL, two RCPTs, end of data, 221; the refusal's session: 220, EHLO, MAIL, 221
            assertThat(text.value("facteur_smtp_replies_total", "listener", "smtp", "class", "2xx")).isEqualTo(7 * N + 4);
            assertThat(text.value("facteur_smtp_replies_total", "listener", "smtp", "class", "3xx")).isEqualTo(N);
            assertThat(text.value("facteur_smtp_replies_total", "listener", "smtp", "class", "5xx")).isEqualTo(1);
            assertThat(text.value("facteur_messages_refused_total", "listener", "smtp", "reason", "recipients")).isEqualTo(1);

            assertThat(text.sum("facteur_deliveries_total", "outcome", "delivered")).isEqualTo(2 * N);
            assertThat(text.value("facteur_deliveries_total", "outcome", "delivered", "destination", "facteur.test")).isEqualTo(N);
            assertThat(text.value("facteur_deliveries_total", "outcome", "delivered", "destination", "remote.test")).isEqualTo(N);
            assertThat(text.sum("facteur_deliveries_total", "outcome", "deferred") + text.sum("facteur_deliveries_total", "outcome", "bounced"))
                    .isZero();
            assertThat(text.value("facteur_delivery_attempts_total", "outcome", "delivered")).as("one per message and destination")
                    .isEqualTo(2 * N);
            assertThat(text.sum("facteur_delivery_duration_seconds_count")).isEqualTo(2 * N);
            assertThat(text.value("facteur_delivery_retries_total")).isZero();
            assertThat(text.value("facteur_dns_lookups_total", "type", "MX", "result", "found")).isPositive();

            assertThat(text.sum("facteur_queue_messages")).as("every state, once all is delivered").isZero();
            assertThat(text.value("facteur_queue_messages", "state", "active")).isZero();
            assertThat(text.value("facteur_spool_commit_duration_seconds_count")).as("N received, then their outcomes").isGreaterThanOrEqualTo(2 * N);
            assertThat(text.value("facteur_spool_commit_batch_size_sum")).isGreaterThanOrEqualTo(2 * N);
            assertThat(text.value("facteur_data_dir_free_bytes")).isPositive();
            assertThat(text.names()).contains("jvm_memory_used_bytes", "process_uptime_seconds");

            assertThat(scrape(admin, null).statusCode()).as("no token").isEqualTo(401);
            assertThat(scrape(admin, "Bearer not-the-admin-token").statusCode()).as("a wrong token").isEqualTo(401);
        }
    }
}
