package dev.facteur.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.activity.Activity;
import dev.facteur.history.HistoryReader;
import dev.facteur.message.QueueId;
import dev.facteur.metrics.Metrics;
import dev.facteur.net.HostPort;
import dev.facteur.queue.QueueManager;
import dev.facteur.spool.LogSpool;
import dev.facteur.spool.Spool;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * {@code docs/openapi.yaml} describes what the admin server serves: every context it registers
 * and every route under {@code /api/}, both read from a server with everything switched on, so a
 * new endpoint without its description fails here. And the server serves that very file.
 */
class OpenApiTest {

    private static final Path DOCUMENT = Path.of("docs/openapi.yaml");

    @TempDir
    Path dir;
    private Spool spool;
    private QueueManager queue;
    private AdminServer admin;
    private JsonNode spec;

    @BeforeEach
    void start() throws IOException {
        spool = LogSpool.open(dir.resolve("spool"));
        queue = IdleQueue.over(spool, new QueueId.Generator());
        admin = new AdminServer(new HostPort("127.0.0.1", 0), dir.resolve("admin.token"), queue, null, null, null, null);
        admin.serveMetrics(Metrics.prometheus(Clock.systemUTC()), false);
        admin.reloadWith(() -> new ReloadEndpoint.Result(true, "reloaded", List.of()));
        admin.serveQueueApi(queue, spool, new HistoryReader(dir.resolve("history")), true, Clock.systemUTC());
        admin.serveDashboard(new Activity(Clock.systemUTC()));
        admin.start();
        spec = new YAMLMapper().readTree(Files.readString(DOCUMENT));
    }

    @AfterEach
    void stop() throws IOException {
        admin.close();
        queue.close();
        spool.close();
    }

    /** The path item of a spec path, following a {@code $ref} to {@code components/pathItems}. */
    private JsonNode item(String path) {
        JsonNode item = spec.get("paths").get(path);
        return item.has("$ref") ? resolve(item.get("$ref").stringValue()) : item;
    }

    private JsonNode resolve(String ref) {
        assertThat(ref).startsWith("#/");
        return spec.at(ref.substring(1));
    }

    /** Spec paths the route's path fits: literal segments equal, and a {variable} of the route fits any segment. */
    private List<String> describing(ApiHandler.Route route) {
        List<String> out = new ArrayList<>();
        String[] want = route.template().split("/", -1);
        for (String p : spec.get("paths").propertyNames()) {
            String[] got = p.split("/", -1);
            if (got.length != want.length) continue;
            boolean fits = true;
            for (int i = 0; i < want.length && fits; i++) fits = want[i].startsWith("{") || want[i].equals(got[i]);
            if (fits && item(p).has(route.method().toLowerCase(Locale.ROOT))) out.add(p);
        }
        return out;
    }

    @Test
    void itIsOpenApi31() {
        assertThat(spec.get("openapi").stringValue()).startsWith("3.1.");
        assertThat(spec.get("paths").size()).isGreaterThan(20);
    }

    @Test
    void everyContextTheServerRegistersIsDescribed() {
        List<String> contexts = admin.contexts();
        assertThat(contexts).contains("/health", "/queue/", "/api/", "/metrics", "/reload"); // the server had everything on
        List<String> paths = new ArrayList<>();
        spec.get("paths").propertyNames().forEach(paths::add);
        for (String context : contexts) {
            if (context.endsWith("/")) assertThat(paths).as(context).anyMatch(p -> p.startsWith(context));
            else assertThat(paths).as(context).contains(context);
        }
    }

    @Test
    void everyApiRouteIsDescribedWithItsMethod() {
        List<ApiHandler.Route> routes = admin.apiRoutes();
        assertThat(routes).hasSizeGreaterThan(5);
        for (ApiHandler.Route r : routes) assertThat(describing(r)).as(r.method() + " " + r.template()).isNotEmpty();
    }

    @Test
    void everyCommandHasItsBulkAndItsOldPath() { // fixed paths: OpenAPI forbids /api/queue/{command} beside /api/queue/{id}
        for (Command c : Command.values()) {
            assertThat(item("/api/queue/" + c.word()).has("post")).as(c.word()).isTrue();
            assertThat(item("/queue/" + c.word()).has("post")).as(c.word()).isTrue();
        }
        assertThat(spec.at("/components/parameters/command/schema/enum").valueStream().map(JsonNode::stringValue).toList())
                .containsExactlyInAnyOrder(Arrays.stream(Command.values()).map(Command::word).toArray(String[]::new));
    }

    @Test
    void everyReferenceLeadsSomewhere() {
        List<String> refs = new ArrayList<>();
        collect(spec, refs);
        assertThat(refs).isNotEmpty().allSatisfy(ref -> assertThat(resolve(ref).isMissingNode()).as(ref).isFalse());
    }

    private static void collect(JsonNode n, List<String> refs) {
        if (n.isObject() && n.has("$ref")) refs.add(n.get("$ref").stringValue());
        n.forEach(child -> collect(child, refs));
    }

    @Test
    void theServerServesTheDocument() throws Exception {
        var request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin.address().getPort() + "/api/openapi.yaml"))
                .header("Authorization", "Bearer " + TokenFile.clientToken(dir.resolve("admin.token"))).build();
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type")).hasValue("application/yaml");
            assertThat(r.body()).isEqualTo(Files.readString(DOCUMENT));
        }
    }
}
