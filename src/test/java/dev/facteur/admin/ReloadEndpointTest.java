package dev.facteur.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.message.QueueId;
import dev.facteur.net.HostPort;
import dev.facteur.queue.QueueManager;
import dev.facteur.spool.LogSpool;
import dev.facteur.spool.Spool;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code POST /reload}: the server's reload, asked with the admin token, and what came of it. */
class ReloadEndpointTest {

    @TempDir
    Path dir;

    private Spool spool;
    private QueueManager queue;
    private AdminServer admin;
    private final AtomicInteger reloads = new AtomicInteger();
    private ReloadEndpoint.Result next;

    @BeforeEach
    void start() throws Exception {
        spool = LogSpool.open(dir.resolve("spool"));
        queue = IdleQueue.over(spool, new QueueId.Generator());
        admin = new AdminServer(new HostPort("127.0.0.1", 0), dir.resolve("admin.token"), queue);
        admin.reloadWith(() -> {
            reloads.incrementAndGet();
            return next;
        });
        admin.start();
    }

    @AfterEach
    void stop() throws Exception {
        admin.close();
        queue.close();
        spool.close();
    }

    private HttpResponse<String> post(String token) throws Exception {
        var b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin.address().getPort() + "/reload"))
                .POST(HttpRequest.BodyPublishers.noBody());
        if (token != null) b.header("Authorization", "Bearer " + token);
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    @Test
    void anAppliedReloadAnswersOkWithWhatWaitsForARestart() throws Exception {
        next = new ReloadEndpoint.Result(true, "configuration f.toml reloaded: data_dir changed: restart needed; the rest applied", List.of());

        var r = post(TokenFile.clientToken(dir.resolve("admin.token")));

        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode body = new JsonMapper().readTree(r.body());
        assertThat(body.path("ok").asBoolean()).isTrue();
        assertThat(body.path("message").asString()).endsWith("data_dir changed: restart needed; the rest applied");
        assertThat(reloads).hasValue(1);
    }

    @Test
    void aRefusedReloadAnswers422WithEachProblem() throws Exception {
        next = new ReloadEndpoint.Result(false, "configuration f.toml refused", List.of("f.toml:3: smtp.max_recipient: unknown key",
                "f.toml:9: tls.certificate: cannot read /etc/cert.pem"));

        var r = post(TokenFile.clientToken(dir.resolve("admin.token")));

        assertThat(r.statusCode()).isEqualTo(422);
        JsonNode body = new JsonMapper().readTree(r.body());
        assertThat(body.path("ok").asBoolean()).isFalse();
        assertThat(body.path("problems").values()).extracting(JsonNode::asString)
                .containsExactly("f.toml:3: smtp.max_recipient: unknown key", "f.toml:9: tls.certificate: cannot read /etc/cert.pem");
    }

    @Test
    void withoutTheTokenNothingIsReloaded() throws Exception { // any local user reaches the port
        var r = post(null);

        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(reloads).hasValue(0);
    }
}
