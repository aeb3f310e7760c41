package dev.facteur.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.activity.Activity;
import dev.facteur.activity.Outcome;
import dev.facteur.message.QueueId;
import dev.facteur.net.HostPort;
import dev.facteur.queue.QueueManager;
import dev.facteur.spool.LogSpool;
import dev.facteur.spool.Spool;
import dev.facteur.testing.ManualClock;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The dashboard's files are served to anyone, each with its type and a policy that lets the page
 * load nothing from elsewhere and run no inline script; its activity feed needs the token and
 * answers the contract's shape.
 */
class DashboardEndpointsTest {

    private static final JsonMapper JSON = new JsonMapper();

    @TempDir
    Path dir;

    private Spool spool;
    private QueueManager queue;
    private AdminServer admin;
    private final ManualClock clock = ManualClock.at(Instant.parse("2026-12-02T10:02:30Z"));
    private final Activity activity = new Activity(clock);

    @BeforeEach
    void start() throws IOException {
        spool = LogSpool.open(dir.resolve("spool"));
        queue = IdleQueue.over(spool, new QueueId.Generator());
        admin = new AdminServer(new HostPort("127.0.0.1", 0), dir.resolve("admin.token"), queue);
        admin.serveDashboard(activity);
        admin.start();
    }

    @AfterEach
    void stop() throws IOException {
        admin.close();
        queue.close();
        spool.close();
    }

    private HttpResponse<String> request(String method, String path, String authorization) throws Exception {
        return AdminHttp.request(admin, method, path, authorization);
    }

    private HttpResponse<String> get(String path) throws Exception {
        return request("GET", path, null);
    }

    private String token() throws IOException {
        return "Bearer " + TokenFile.clientToken(dir.resolve("admin.token"));
    }

    @Test
    void thePageItsScriptAndItsStyleAreServedWithoutATokenEachWithItsType() throws Exception {
        assertThat(get("/dashboard/").headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        assertThat(get("/dashboard/app.js").headers().firstValue("Content-Type")).hasValue("text/javascript; charset=utf-8");
        assertThat(get("/dashboard/style.css").headers().firstValue("Content-Type")).hasValue("text/css; charset=utf-8");
        var page = get("/dashboard/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("<script src=\"app.js\" defer></script>", "<link rel=\"stylesheet\" href=\"style.css\">");
        assertThat(page.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
    }

    @Test
    void everyFileForbidsWhatComesFromElsewhereAndInlineScript() throws Exception {
        for (String file : new String[] {"", "app.js", "style.css"}) {
            String policy = get("/dashboard/" + file).headers().firstValue("Content-Security-Policy").orElseThrow();
            assertThat(policy).startsWith("default-src 'self';").contains("script-src 'self';", "frame-ancestors 'none'")
                    .doesNotContain("unsafe-inline", "unsafe-eval", "http:", "https:", "*");
        }
    }

    @Test
    void thePageHoldsNoInlineScriptNorEventHandlerAttribute() throws Exception {
        String page = get("/dashboard/").body();
        assertThat(Pattern.compile("<script(?![^>]*\\ssrc=)[^>]*>").matcher(page).find()).as("a <script> without src").isFalse();
        assertThat(Pattern.compile("\\son[a-z]+\\s*=", Pattern.CASE_INSENSITIVE).matcher(page).find()).as("an onclick= or the like").isFalse();
        assertThat(page).doesNotContain("javascript:");
    }

    @Test
    void theFolderWithoutItsSlashIsRedirectedSoThatRelativeLinksWork() throws Exception {
        var r = get("/dashboard");
        assertThat(r.statusCode()).isEqualTo(301);
        assertThat(r.headers().firstValue("Location")).hasValue("/dashboard/");
    }

    @Test
    void onlyTheDashboardsOwnFilesAreServed() throws Exception {
        assertThat(get("/dashboard/index.htm").statusCode()).isEqualTo(404);
        assertThat(get("/dashboard/../admin.token").statusCode()).isEqualTo(404);
        assertThat(get("/dashboard/%2e%2e/%2e%2e/AdminServer.class").statusCode()).isEqualTo(404);
        assertThat(request("POST", "/dashboard/", null).statusCode()).isEqualTo(405);
        assertThat(request("HEAD", "/dashboard/app.js", null).statusCode()).isEqualTo(200);
    }

    @Test
    void theActivityNeedsTheToken() throws Exception {
        assertThat(get("/api/activity").statusCode()).isEqualTo(401);
        assertThat(request("GET", "/api/activity", "Bearer " + "x".repeat(43)).statusCode()).isEqualTo(401);
    }

    @Test
    void theActivityAnswersSixHoursOfFiveMinuteBucketsAndTheFailingDestinations() throws Exception {
        activity.accepted();
        activity.outcome(Outcome.DELIVERED, "fine.example", null);
        activity.outcome(Outcome.DEFERRED, "slow.example", "451 4.7.1 greylisted");

        var r = request("GET", "/api/activity", token());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
        JsonNode a = JSON.readTree(r.body());
        assertThat(a.path("bucket_seconds").asInt()).isEqualTo(300);
        assertThat(a.path("buckets")).hasSize(72);
        assertThat(a.path("buckets").get(71).toString())
                .isEqualTo("{\"start\":\"2026-12-02T10:00:00Z\",\"accepted\":1,\"delivered\":1,\"deferred\":1,\"bounced\":0,\"expired\":0}");
        assertThat(a.path("failing").toString())
                .isEqualTo("[{\"domain\":\"slow.example\",\"failures\":1,\"last_reply\":\"451 4.7.1 greylisted\",\"last_at\":\"2026-12-02T10:02:30Z\"}]");
    }

    @Test
    void theWindowIsAskedForInHoursFromOneToADay() throws Exception {
        assertThat(JSON.readTree(request("GET", "/api/activity?hours=24", token()).body()).path("buckets")).hasSize(288);
        assertThat(JSON.readTree(request("GET", "/api/activity?hours=1", token()).body()).path("buckets")).hasSize(12);
        for (String bad : new String[] {"0", "25", "six", "-1", ""}) {
            var r = request("GET", "/api/activity?hours=" + bad, token());
            assertThat(r.statusCode()).as("hours=" + bad).isEqualTo(400);
            assertThat(r.body()).contains("\"ok\":false");
        }
        assertThat(request("POST", "/api/activity", token()).statusCode()).isEqualTo(405);
    }
}
