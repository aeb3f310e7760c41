package dev.facteur.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.message.QueueId;
import dev.facteur.metrics.Metrics;
import dev.facteur.net.HostPort;
import dev.facteur.queue.QueueManager;
import dev.facteur.spool.LogSpool;
import dev.facteur.spool.Spool;
import dev.facteur.testing.ManualClock;
import dev.facteur.testing.PrometheusText;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /metrics} serves Prometheus's text format to a scraper with the admin token, refuses
 * one without (401, as every admin endpoint), and serves anyone when {@code metrics_public} says so.
 */
class MetricsEndpointTest {

    @TempDir
    Path dir;

    private Spool spool;
    private QueueManager queue;
    private AdminServer admin;
    private final Metrics metrics = Metrics.prometheus(ManualClock.stopped());


    @BeforeEach
    void start() throws IOException {
        spool = LogSpool.open(dir.resolve("spool"));
        queue = IdleQueue.over(spool, new QueueId.Generator());
        metrics.smtp("smtp").accepted();
    }

    private void serve(boolean open) throws IOException {
        admin = new AdminServer(new HostPort("127.0.0.1", 0), dir.resolve("admin.token"), queue);
        admin.serveMetrics(metrics, open);
        admin.start();
    }

    @AfterEach
    void stop() throws IOException {
        if (admin != null) admin.close();
        queue.close();
        spool.close();
    }

    private HttpResponse<String> request(String method, String path, String authorization) throws Exception {
        return AdminHttp.request(admin, method, path, authorization);
    }

    private String token() throws IOException {
        return "Bearer " + TokenFile.clientToken(dir.resolve("admin.token"));
    }

    @Test
    void theScraperWithTheTokenGetsTheTextFormat() throws Exception {
        serve(false);
        var r = request("GET", "/metrics", token());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
        assertThat(PrometheusText.parse(r.body()).value("facteur_messages_accepted_total", "listener", "smtp")).isEqualTo(1);
    }

    @Test
    void withoutTheTokenOrWithAWrongOneTheScrapeIsRefused() throws Exception {
        serve(false);
        for (String authorization : new String[] {null, "Bearer not-the-token", token().replace("Bearer", "Basic")}) {
            var r = request("GET", "/metrics", authorization);
            assertThat(r.statusCode()).as(String.valueOf(authorization)).isEqualTo(401);
            assertThat(r.body()).doesNotContain("facteur_");
        }
    }

    @Test
    void metricsPublicServesAnyone() throws Exception {
        serve(true);
        assertThat(request("GET", "/metrics", null).statusCode()).isEqualTo(200);
        assertThat(request("POST", "/queue/flush", null).statusCode()).as("the rest still needs the token").isEqualTo(401);
    }

    @Test
    void onlyGetAndHeadAreAnswered() throws Exception {
        serve(true);
        var head = request("HEAD", "/metrics", null);
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        var post = request("POST", "/metrics", null);
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD");
        assertThat(request("GET", "/metrics/more", null).statusCode()).isEqualTo(404);
    }

    @Test
    void metricsOffServeNothing() throws Exception {
        admin = new AdminServer(new HostPort("127.0.0.1", 0), dir.resolve("admin.token"), queue);
        admin.serveMetrics(Metrics.NONE, true);
        admin.start();
        assertThat(request("GET", "/metrics", token()).statusCode()).isEqualTo(404);
    }
}
