package dev.facteur.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.config.Config;
import dev.facteur.config.ConfigLoader;
import dev.facteur.message.Body;
import dev.facteur.message.ClientInfo;
import dev.facteur.message.Envelope;
import dev.facteur.message.Mailbox;
import dev.facteur.message.Notify;
import dev.facteur.message.QueueId;
import dev.facteur.message.Recipient;
import dev.facteur.message.ReversePath;
import dev.facteur.message.Schedule;
import dev.facteur.server.Facteur;
import dev.facteur.server.ReloadOutcome;
import dev.facteur.spool.LogSpool;
import dev.facteur.spool.Spool;
import dev.facteur.testing.BlackHole;
import dev.facteur.testing.TestConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The queue API of a whole Facteur over real HTTP, as the dashboard and scripts call it
 * (docs/api.md): a queue of five messages that no attempt comes to (their next attempts are a
 * day away, and DNS never answers), listed with each filter and in pages, summed up, shown one
 * by one, held, released and deleted, in bulk only when confirmed; and the tokens' scopes.
 */
class QueueApiIT {

    private static final JsonMapper JSON = new JsonMapper();
    private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.MILLIS); // as the spool keeps times
    private static final Instant TOMORROW = NOW.plus(Duration.ofDays(1));

    @TempDir
    Path dir;
    private BlackHole dns;
    private Facteur facteur;
    private String base;
    private String operate;
    private String read;
    private final QueueId.Generator ids = new QueueId.Generator();
    /** Oldest first: fresh (active), slow (deferred), bounce (held, from <>), two more active. */
    private QueueId fresh, slow, bounce, fourth, fifth;

    @BeforeEach
    void start() throws Exception {
        Path data = dir.resolve("data");
        try (Spool spool = LogSpool.open(data.resolve("spool"))) {
            fresh = put(spool, "alice@shop.test", "bob@example.org", null, new Schedule(0, TOMORROW, false, false), Duration.ofHours(3));
            slow = put(spool, "news@other.test", "carol@slow.test", "451 4.7.1 try later", new Schedule(2, TOMORROW, false, false),
                    Duration.ofHours(1));
            bounce = put(spool, "", "dan@example.org", "550 5.1.1 no such user", new Schedule(1, null, true, false), Duration.ofMinutes(5));
            fourth = put(spool, "alice@shop.test", "erin@other.test", null, new Schedule(0, TOMORROW, false, false), Duration.ofMinutes(2));
            fifth = put(spool, "alice@shop.test", "frank@other.test", null, new Schedule(0, TOMORROW, false, false), Duration.ofMinutes(1));
        }
        Path tokens = data.resolve("admin.token");
        operate = TokenFile.add(tokens, false, "ops");
        read = TokenFile.add(tokens, true, "dashboard");
        dns = new BlackHole();
        facteur = TestConfig.in(data).dns(dns.hostPort()).delivery(Map.of()).start();
        var admin = facteur.adminAddress().orElseThrow();
        base = "http://" + admin.getHostString() + ":" + admin.getPort();
    }

    @AfterEach
    void stop() throws Exception {
        if (facteur != null) facteur.close();
        if (dns != null) dns.close();
    }

    private QueueId put(Spool spool, String sender, String recipient, String diagnostic, Schedule schedule, Duration age) throws IOException {
        QueueId id = ids.next();
        ReversePath from = sender.isEmpty() ? ReversePath.NULL : ReversePath.of(mailbox(sender));
        var r = Recipient.pending(mailbox(recipient), Notify.DEFAULT, null).after(Recipient.State.PENDING, diagnostic, null);
        try (Spool.Draft d = spool.draft(id)) {
            d.content().write(("Subject: " + recipient + "\r\n\r\nfor " + recipient + "\r\n").getBytes(StandardCharsets.US_ASCII));
            d.commit(new Envelope(id, NOW.minus(age), from, List.of(r), -1, Body.SEVEN_BIT, false, null, null,
                    new ClientInfo("127.0.0.1", "c", "ESMTP", ""), schedule));
        }
        return id;
    }

    private static Mailbox mailbox(String a) {
        return new Mailbox(a.substring(0, a.indexOf('@')), a.substring(a.indexOf('@') + 1));
    }

    private record Answer(int status, String type, String body) {
        JsonNode json() {
            return JSON.readTree(body);
        }
    }

    private Answer send(String method, String pathAndQuery, String token) throws Exception {
        var b = HttpRequest.newBuilder(URI.create(base + pathAndQuery)).method(method, HttpRequest.BodyPublishers.noBody());
        if (token != null) b.header("Authorization", "Bearer " + token);
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body());
        }
    }

    private Answer get(String pathAndQuery) throws Exception {
        return send("GET", pathAndQuery, read);
    }

    private Answer post(String pathAndQuery) throws Exception {
        return send("POST", pathAndQuery, operate);
    }

    private List<String> listed(String query) throws Exception {
        Answer a = get("/api/queue" + query);
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        List<String> out = new ArrayList<>();
        a.json().get("messages").forEach(m -> out.add(m.get("id").stringValue()));
        return out;
    }

    private static List<String> text(QueueId... ids) {
        return Arrays.stream(ids).map(QueueId::toString).toList();
    }

    @Test
    void eachFilterListsWhatItNamesOldestFirst() throws Exception {
        assertThat(listed("")).containsExactlyElementsOf(text(fresh, slow, bounce, fourth, fifth));
        assertThat(listed("?state=active")).containsExactlyElementsOf(text(fresh, fourth, fifth));
        assertThat(listed("?state=deferred")).containsExactlyElementsOf(text(slow));
        assertThat(listed("?state=held")).containsExactlyElementsOf(text(bounce));
        assertThat(listed("?domain=EXAMPLE.org")).containsExactlyElementsOf(text(fresh, bounce));
        assertThat(listed("?sender=alice@shop.test")).containsExactlyElementsOf(text(fresh, fourth, fifth));
        assertThat(listed("?sender=%40other.test")).containsExactlyElementsOf(text(slow));
        assertThat(listed("?older_than=30m")).containsExactlyElementsOf(text(fresh, slow));
        assertThat(listed("?newer_than=30m")).containsExactlyElementsOf(text(bounce, fourth, fifth));
        assertThat(listed("?state=active&domain=other.test&newer_than=1h")).containsExactlyElementsOf(text(fourth, fifth));
        Answer bad = get("/api/queue?older_than=yesterday");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().get("message").stringValue()).isEqualTo("older_than: an age such as 30s, 15m, 2h or 3d, not yesterday");
        assertThat(bad.json().get("ok").booleanValue()).isFalse();
    }

    @Test
    void pagesFollowTheCursorToTheEnd() throws Exception {
        List<String> seen = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            JsonNode page = get("/api/queue?limit=2" + (cursor == null ? "" : "&cursor=" + cursor)).json();
            page.get("messages").forEach(m -> seen.add(m.get("id").stringValue()));
            cursor = page.get("next_cursor").isNull() ? null : page.get("next_cursor").stringValue();
            pages++;
        } while (cursor != null);
        assertThat(pages).isEqualTo(3);
        assertThat(seen).containsExactlyElementsOf(text(fresh, slow, bounce, fourth, fifth));
    }

    @Test
    void theSummaryCountsStatesAndDestinations() throws Exception {
        Answer a = get("/api/queue/summary");
        assertThat(a.status()).isEqualTo(200);
        JsonNode s = a.json();
        assertThat(s.get("total").intValue()).isEqualTo(5);
        assertThat(s.get("states").toString()).isEqualTo("{\"active\":3,\"deferred\":1,\"held\":1}");
        assertThat(Instant.parse(s.get("oldest").stringValue())).isEqualTo(NOW.minus(Duration.ofHours(3)));
        JsonNode d = s.get("destinations");
        assertThat(d.get(0).toString()).isEqualTo("{\"domain\":\"example.org\",\"messages\":2,\"deferred\":0,\"last_reply\":\"550 5.1.1 no such user\"}");
        assertThat(d.get(1).toString()).isEqualTo("{\"domain\":\"other.test\",\"messages\":2,\"deferred\":0,\"last_reply\":null}");
        assertThat(d.get(2).toString()).isEqualTo("{\"domain\":\"slow.test\",\"messages\":1,\"deferred\":1,\"last_reply\":\"451 4.7.1 try later\"}");
    }

    @Test
    void oneMessageWithItsRecipientsHistoryAndContent() throws Exception {
        Answer a = get("/api/queue/" + slow);
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        JsonNode m = a.json();
        assertThat(m.get("id").stringValue()).isEqualTo(slow.toString());
        assertThat(m.get("sender").stringValue()).isEqualTo("news@other.test");
        assertThat(m.get("state").stringValue()).isEqualTo("deferred");
        assertThat(m.get("attempts").intValue()).isEqualTo(2);
        assertThat(Instant.parse(m.get("next_attempt").stringValue())).isEqualTo(TOMORROW);
        assertThat(m.get("size").longValue()).isPositive();
        assertThat(m.get("recipients").toString())
                .isEqualTo("[{\"address\":\"carol@slow.test\",\"state\":\"pending\",\"diagnostic\":\"451 4.7.1 try later\"}]");
        assertThat(m.get("history").isArray()).isTrue();
        assertThat(get("/api/queue/" + bounce).json().get("sender").stringValue()).as("the null sender").isEmpty();
        assertThat(get("/api/queue/" + fresh).json().get("next_attempt").stringValue()).isNotNull();

        Answer content = get("/api/queue/" + slow + "/content");
        assertThat(content.status()).isEqualTo(200);
        assertThat(content.type()).isEqualTo("message/rfc822");
        assertThat(content.body()).isEqualTo("Subject: carol@slow.test\r\n\r\nfor carol@slow.test\r\n");

        QueueId unknown = ids.next();
        assertThat(get("/api/queue/" + unknown).status()).isEqualTo(404);
        assertThat(get("/api/queue/" + unknown + "/content").status()).isEqualTo(404);
        assertThat(get("/api/queue/not-an-id").status()).isEqualTo(400);
    }

    @Test
    void holdReleaseAndDeleteOneMessage() throws Exception {
        assertThat(get("/api/queue/summary").json().get("states").get("held").intValue()).isEqualTo(1);
        Answer hold = post("/api/queue/" + fourth + "/hold");
        assertThat(hold.status()).as(hold.body()).isEqualTo(200);
        assertThat(hold.json().get("ok").booleanValue()).isTrue();
        assertThat(get("/api/queue/" + fourth).json().get("state").stringValue()).isEqualTo("held");
        assertThat(get("/api/queue/summary").json().get("states").get("held").intValue())
                .as("the summary kept for watchers is read again after a command").isEqualTo(2);
        assertThat(post("/api/queue/" + fourth + "/hold").status()).as("held already").isEqualTo(409);
        assertThat(post("/api/queue/" + fourth + "/flush").status()).as("a held message is released, not flushed").isEqualTo(409);

        Answer release = post("/api/queue/" + fourth + "/release");
        assertThat(release.status()).as(release.body()).isEqualTo(200);
        assertThat(get("/api/queue/" + fourth).json().get("state").stringValue()).isNotEqualTo("held");

        Answer delete = post("/api/queue/" + fifth + "/delete");
        assertThat(delete.status()).as(delete.body()).isEqualTo(200);
        assertThat(get("/api/queue/" + fifth).status()).isEqualTo(404);
        assertThat(post("/api/queue/" + fifth + "/delete").status()).as("gone").isEqualTo(404);
        assertThat(post("/api/queue/" + fresh + "/freeze").status()).isEqualTo(404);
        assertThat(get("/api/queue/" + fresh + "/hold").status()).as("commands are POSTs").isEqualTo(405);
    }

    @Test
    void aBulkCommandIsDoneOnlyWhenConfirmed() throws Exception {
        Answer unconfirmed = post("/api/queue/hold?domain=example.org");
        assertThat(unconfirmed.status()).isEqualTo(400);
        assertThat(unconfirmed.json().toString())
                .isEqualTo("{\"ok\":false,\"matched\":2,\"message\":\"2 messages match; add confirm=true\"}");
        assertThat(listed("?state=held")).containsExactlyElementsOf(text(bounce));

        Answer everything = post("/api/queue/hold?confirm=true");
        assertThat(everything.status()).as("no filter needs all=true too").isEqualTo(400);
        assertThat(everything.json().get("matched").intValue()).isEqualTo(5);
        assertThat(listed("?state=held")).containsExactlyElementsOf(text(bounce));
        assertThat(post("/api/queue/hold?domian=example.org&confirm=true").status()).as("a misspelt filter").isEqualTo(400);

        Answer confirmed = post("/api/queue/hold?domain=example.org&confirm=true");
        assertThat(confirmed.status()).as(confirmed.body()).isEqualTo(200);
        JsonNode c = confirmed.json();
        assertThat(c.get("ok").booleanValue()).isTrue();
        assertThat(c.get("matched").intValue()).isEqualTo(2);
        assertThat(c.get("done").intValue()).as("one was held already").isEqualTo(1);
        assertThat(listed("?state=held")).containsExactlyElementsOf(text(fresh, bounce));

        Answer all = post("/api/queue/hold?all=true&confirm=true");
        assertThat(all.status()).isEqualTo(200);
        assertThat(all.json().get("done").intValue()).isEqualTo(3);
        assertThat(listed("?state=held")).hasSize(5);
    }

    @Test
    void theHistorySearchFindsAQueuedMessage() throws Exception {
        Answer a = get("/api/history?q=" + slow);
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        assertThat(a.json().get("messages")).singleElement()
                .satisfies(t -> assertThat(t.get("queue_id").stringValue()).isEqualTo(slow.toString()));
        assertThat(get("/api/history?q=carol%40slow.test&limit=5").json().get("messages")).hasSize(1);
        assertThat(get("/api/history").status()).isEqualTo(400);
        assertThat(get("/api/history?q=x&limit=0").status()).isEqualTo(400);
    }

    @Test
    void withoutATokenOrWithAWrongOneNothingIsShown() throws Exception {
        assertThat(send("GET", "/api/queue", null).status()).isEqualTo(401);
        assertThat(send("GET", "/api/queue", "x".repeat(43)).status()).isEqualTo(401);
        assertThat(send("POST", "/api/queue/" + fresh + "/delete", null).status()).isEqualTo(401);
        assertThat(send("GET", "/api/queue/" + fresh, operate).status()).as("operate may read too").isEqualTo(200);
    }

    @Test
    void aReadTokenMayLookButNotChange() throws Exception {
        assertThat(send("GET", "/api/queue", read).status()).isEqualTo(200);
        assertThat(send("GET", "/api/queue/summary", read).status()).isEqualTo(200);
        Answer refused = send("POST", "/api/queue/" + fresh + "/delete", read);
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.json().get("message").stringValue()).isEqualTo("this token may only read; POST needs an operate token");
        assertThat(send("POST", "/queue/delete?id=" + fresh, read).status()).as("the old commands too").isEqualTo(403);
        assertThat(send("POST", "/reload", read).status()).isEqualTo(403);
        assertThat(get("/api/queue/" + fresh).status()).as("still there").isEqualTo(200);
        assertThat(TokenFile.clientToken(dir.resolve("data/admin.token"))).as("the CLI sends the operate token").isEqualTo(operate);
    }

    @Test
    void aTokenAddedWhileRunningWorksAfterAReload() throws Exception {
        String added = TokenFile.add(dir.resolve("data/admin.token"), true, "added later");
        assertThat(send("GET", "/api/queue", added).status()).isEqualTo(401);
        facteur.reload(facteur.config());
        assertThat(send("GET", "/api/queue", added).status()).isEqualTo(200);
        assertThat(send("GET", "/api/queue", read).status()).isEqualTo(200);
    }
    @Test
    void onTheEmbeddedDefaultsAReloadStillReadsTheTokensAgain() throws Exception {
        facteur.close();
        Path data = dir.resolve("data");
        Config embedded = ConfigLoader.parse(TestConfig.in(data).dns(dns.hostPort()).delivery(Map.of()).toml(), ConfigLoader.EMBEDDED);
        facteur = Facteur.start(embedded); // as bin/facteur serve without --config: no file to read again
        var admin = facteur.adminAddress().orElseThrow();
        base = "http://" + admin.getHostString() + ":" + admin.getPort();
        String added = TokenFile.add(data.resolve("admin.token"), true, "added later");
        assertThat(send("GET", "/api/queue", added).status()).isEqualTo(401);
        assertThat(facteur.reload()).isInstanceOf(ReloadOutcome.Applied.class);
        assertThat(send("GET", "/api/queue", added).status()).isEqualTo(200);
    }
}
