package dev.facteur.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.bounce.BounceClass;
import dev.facteur.bounce.SuppressionSettings;
import dev.facteur.bounce.Suppressions;
import dev.facteur.message.AddressSyntax;
import dev.facteur.message.Mailbox;
import dev.facteur.net.HostPort;
import dev.facteur.store.MemorySuppressionStore;
import dev.facteur.testing.ManualClock;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The suppression list's admin API: behind the bearer token, in pages, with a clear refusal for each bad request. */
class SuppressionEndpointsTest {

    @TempDir
    Path dir;

    private final ManualClock clock = ManualClock.stopped();
    private final Suppressions suppressions = new Suppressions(new MemorySuppressionStore(), SuppressionSettings.DEFAULT, clock);
    private final HttpClient http = HttpClient.newHttpClient();
    private AdminServer admin;
    private String token;

    private record Answer(int status, JsonNode json) {}

    @BeforeEach
    void start() throws IOException {
        Path tokenFile = dir.resolve("admin.token");
        admin = new AdminServer(new HostPort("127.0.0.1", 0), tokenFile, null, null, suppressions);
        admin.start();
        token = TokenFile.clientToken(tokenFile);
    }

    @AfterEach
    void stop() {
        http.close();
        admin.close();
    }

    private Answer call(String method, String pathAndQuery, String bearer) throws Exception {
        var b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin.address().getPort() + pathAndQuery))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (bearer != null) b.header("Authorization", "Bearer " + bearer);
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), new JsonMapper().readTree(r.body()));
    }

    private Answer get(String pathAndQuery) throws Exception {
        return call("GET", pathAndQuery, token);
    }

    private Answer post(String pathAndQuery) throws Exception {
        return call("POST", pathAndQuery, token);
    }

    private static Mailbox mailbox(String a) {
        return AddressSyntax.tryParseMailbox(a, true).orElseThrow();
    }

    @Test
    void withoutTheTokenNothingIsShownOrChanged() throws Exception { // RFC 6750 §2.1
        assertThat(call("POST", "/suppression/add?address=alice@example.org", null).status()).isEqualTo(401);
        assertThat(call("GET", "/suppression/list", "wrong").status()).isEqualTo(401);
        assertThat(suppressions.entries(mailbox("alice@example.org"))).isEmpty();
    }

    @Test
    void anOperatorAddsShowsAndRemovesAnAddress() throws Exception {
        Answer added = post("/suppression/add?address=Alice%40Example.org&scope=example.com&reason=unsubscribe&for=P30D&note=by+phone");
        assertThat(added.status()).isEqualTo(200);
        assertThat(added.json().path("message").asString()).isEqualTo("Alice@Example.org suppressed in example.com (unsubscribe, until "
                + clock.instant().plus(Duration.ofDays(30)) + ")");
        post("/suppression/add?address=alice@example.org");
        JsonNode shown = get("/suppression/show?address=ALICE@example.org").json();
        assertThat(shown.path("entries").valueStream().map(e -> e.path("scope").asString() + " " + e.path("reason").asString()
                + " " + e.path("diagnostic").asString() + " " + e.path("expires")).toList())
                .containsExactly("* manual  null", "example.com unsubscribe by phone \"" + clock.instant().plus(Duration.ofDays(30)) + "\"");
        Answer removed = post("/suppression/remove?address=alice@example.org");
        assertThat(removed.json().path("message").asString()).isEqualTo("alice@example.org removed from *, example.com");
        Answer again = get("/suppression/show?address=alice@example.org");
        assertThat(again.status()).isEqualTo(404);
        assertThat(again.json().path("message").asString()).isEqualTo("alice@example.org is not on the suppression list");
    }

    @Test
    void removingInOneScopeLeavesTheOthers() throws Exception {
        suppressions.bounced(mailbox("bob@example.org"), "example.com", BounceClass.HARD, "550 5.1.1");
        suppressions.complained(mailbox("bob@example.org"), "other.test", "abuse");
        assertThat(post("/suppression/remove?address=bob@example.org&scope=other.test").status()).isEqualTo(200);
        assertThat(suppressions.entries(mailbox("bob@example.org"))).extracting(e -> e.scope()).containsExactly("example.com");
        assertThat(post("/suppression/remove?address=bob@example.org&scope=other.test").status()).isEqualTo(404);
    }

    @Test
    void theListComesInPagesThatTheCursorWalksThrough() throws Exception {
        for (int i = 0; i < 25; i++) suppressions.bounced(mailbox("user" + (char) ('a' + i) + "@example.org"), "example.com", BounceClass.HARD, "550");
        suppressions.complained(mailbox("carol@example.org"), "other.test", "abuse");
        List<String> seen = new ArrayList<>();
        String after = "";
        int pages = 0;
        do {
            JsonNode page = get("/suppression/list?scope=example.com&limit=10" + (after.isEmpty() ? "" : "&after=" + URLEncoder.encode(after, StandardCharsets.UTF_8))).json();
            page.path("entries").forEach(e -> seen.add(e.path("address").asString()));
            after = page.path("next").asString("");
            pages++;
        } while (!after.isEmpty());
        assertThat(pages).isEqualTo(3);
        assertThat(seen).hasSize(25).doesNotHaveDuplicates().isSorted().allMatch(a -> a.endsWith("@example.org") && a.startsWith("user"));
        assertThat(get("/suppression/list").json().path("entries")).as("every scope, a page of 100").hasSize(26);
    }

    @Test
    void badRequestsAreRefusedWithTheirReason() throws Exception {
        Answer noAddress = post("/suppression/add?address=alice");
        assertThat(noAddress.status()).isEqualTo(400);
        assertThat(noAddress.json().path("message").asString()).isEqualTo("address: not an address: alice");
        assertThat(post("/suppression/add?address=a@b.test&reason=spam").json().path("message").asString())
                .isEqualTo("reason: one of hard-bounce, complaint, soft-bounces, unsubscribe, manual");
        assertThat(post("/suppression/add?address=a@b.test&for=30d").json().path("message").asString())
                .isEqualTo("for: not an ISO-8601 duration such as P30D: 30d");
        assertThat(post("/suppression/add?address=a@b.test&scope=not+a+domain").status()).isEqualTo(400);
        assertThat(get("/suppression/list?limit=5000").status()).isEqualTo(400);
        assertThat(get("/suppression/add?address=a@b.test").status()).isEqualTo(405);
        assertThat(post("/suppression/flush").status()).isEqualTo(404);
        assertThat(suppressions.entries(mailbox("a@b.test"))).isEmpty();
    }

    @Test
    void theRatesOfEachSenderDomainAreShown() throws Exception {
        admin.close();
        var rates = new dev.facteur.bounce.SenderRates(new dev.facteur.store.MemoryRateStore(), e -> {}, clock);
        for (int i = 0; i < 50; i++)
            rates.emit(dev.facteur.events.Event.of(dev.facteur.events.EventType.DELIVERED, clock.instant(), "app@news.example.com", "x@example.org")
                    .withRemoteMta("mx.example.org"));
        rates.emit(dev.facteur.events.Event.of(dev.facteur.events.EventType.BOUNCED, clock.instant(), "app@news.example.com", "x@example.org")
                .withBounceClass("hard"));
        admin = new AdminServer(new HostPort("127.0.0.1", 0), dir.resolve("admin.token"), null, null, suppressions, rates);
        admin.start();

        JsonNode all = get("/suppression/rates").json();
        assertThat(all.path("senders").valueStream().map(s -> s.path("domain").asString()).toList()).containsExactly("news.example.com");
        JsonNode day = all.path("senders").get(0).path("windows").get(0);
        assertThat(day.path("window").asString()).isEqualTo("1d");
        assertThat(day.path("sent").asLong()).isEqualTo(50);
        assertThat(day.path("hard_bounces").asLong()).isEqualTo(1);
        assertThat(day.path("hard_bounce_rate").asDouble()).isEqualTo(0.02);
        assertThat(get("/suppression/rates?domain=other.example").json().path("senders").get(0).path("windows").get(1).path("sent").asLong())
                .isZero();
        assertThat(get("/suppression/rates?domain=not_a..domain").status()).isEqualTo(400);
    }
}
