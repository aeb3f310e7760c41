package dev.facteur.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.inject.FakeSubmissionServer;
import dev.facteur.inject.Injection;
import dev.facteur.inject.InjectionLimits;
import dev.facteur.mime.Composer;
import dev.facteur.net.HostPort;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /messages} over HTTP: the admin token, the status codes an application acts on
 * (200 queued, 400 its own mistake with the field named, 413, 422 refused for good, 503 try
 * again), and the queue ids of what the local submission socket took.
 */
class MessagesEndpointTest {

    private static final InjectionLimits LIMITS = new InjectionLimits(4096, 10, 10, 10, 1000, 100_000);

    @TempDir
    Path dir;
    private FakeSubmissionServer server;
    private AdminServer admin;
    private Path tokenFile;

    record Answer(int status, JsonNode json) {}

    @BeforeEach
    void start() throws IOException {
        server = FakeSubmissionServer.start(dir.resolve("submit.sock"));
        tokenFile = dir.resolve("admin.token");
        var injection = new Injection(server.socket(), new Composer("mx.facteur.test", Clock.systemUTC(), new Random(1)), LIMITS, Duration.ofMinutes(1));
        admin = new AdminServer(new HostPort("127.0.0.1", 0), tokenFile, null, null, null, injection);
        admin.start();
    }

    @AfterEach
    void stop() throws IOException {
        admin.close();
        server.close();
    }

    private Answer post(String path, String body, boolean withToken) throws Exception {
        var b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin.address().getPort() + path))
                .POST(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json");
        if (withToken) b.header("Authorization", "Bearer " + TokenFile.clientToken(tokenFile));
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(r.statusCode(), new JsonMapper().readTree(r.body()));
        }
    }

    private Answer post(String body) throws Exception {
        return post("/messages", body.replace('\'', '"'), true);
    }

    private static final String TWO = "{'from': 'App <app@example.com>', 'to': ['a@example.org', 'b@example.net'], 'subject': 'Hi', 'text': 'Hello'}";

    @Test
    void withoutTheAdminTokenNothingIsSent() throws Exception { // RFC 6750 §2.1
        Answer a = post("/messages", TWO.replace('\'', '"'), false);
        assertThat(a.status()).isEqualTo(401);
        assertThat(server.connections()).isZero();
    }

    @Test
    void theAnswerHasTheQueueIdOfEachMessage() throws Exception {
        Answer a = post(TWO);
        assertThat(a.status()).isEqualTo(200);
        assertThat(a.json().get("ok").booleanValue()).isTrue();
        assertThat(a.json().get("message").stringValue()).isEqualTo("queued 1 message for 2 recipients");
        JsonNode m = a.json().get("messages").get(0);
        assertThat(m.get("queue_id").stringValue()).isEqualTo(server.transactions().getFirst().queueId());
        assertThat(m.get("message_id").stringValue()).endsWith("@mx.facteur.test>");
        assertThat(m.get("recipients").toString()).isEqualTo("[\"a@example.org\",\"b@example.net\"]");
        assertThat(a.json().get("refused").isEmpty()).isTrue();
    }

    @Test
    void aRefusedRecipientIsListedAndTheOthersAreQueued() throws Exception {
        server.rcpt = to -> to.startsWith("b@") ? "550 5.7.1 <b@example.net>: suppressed" : "250 2.1.5 Ok";
        Answer a = post(TWO);
        assertThat(a.status()).isEqualTo(200);
        assertThat(a.json().get("ok").booleanValue()).isFalse();
        assertThat(a.json().get("messages").get(0).get("recipients").toString()).isEqualTo("[\"a@example.org\"]");
        JsonNode r = a.json().get("refused").get(0);
        assertThat(r.get("recipient").stringValue()).isEqualTo("b@example.net");
        assertThat(r.get("reply").stringValue()).isEqualTo("550 5.7.1 <b@example.net>: suppressed");
        assertThat(r.get("temporary").booleanValue()).isFalse();
    }

    @Test
    void everyRecipientRefusedForGoodIs422() throws Exception {
        server.rcpt = to -> "550 5.1.1 no such user";
        Answer a = post(TWO);
        assertThat(a.status()).isEqualTo(422);
        assertThat(a.json().get("refused")).hasSize(2);
        assertThat(a.json().get("messages").isEmpty()).isTrue();
    }

    @Test
    void aTemporaryRefusalOfEverythingIs503WithTheReply() throws Exception {
        server.endOfData = content -> "452 4.3.1 Insufficient system storage";
        Answer a = post(TWO);
        assertThat(a.status()).isEqualTo(503);
        assertThat(a.json().get("message").stringValue()).contains("452 4.3.1 Insufficient system storage");
        assertThat(a.json().get("refused").get(0).get("temporary").booleanValue()).isTrue();
    }

    @Test
    void aServerThatIsDownIs503() throws Exception {
        server.close();
        Answer a = post(TWO);
        assertThat(a.status()).isEqualTo(503);
        assertThat(a.json().get("message").stringValue()).contains("[sendmail] socket").contains("nothing was sent");
    }

    @Test
    void aServerThatRefusesItsOwnUserSaysWhatToConfigure() throws Exception {
        server.greeting = "554 5.7.1 User facteur may not submit mail here";
        Answer a = post(TWO);
        assertThat(a.status()).isEqualTo(503);
        assertThat(a.json().get("message").stringValue()).contains("[sendmail] authorized_users");
    }

    @Test
    void whatIsNotJsonIs400SayingWhere() throws Exception {
        Answer a = post("/messages", "{\"from\": \"app@example.com\",\n \"to\": [}", true);
        assertThat(a.status()).isEqualTo(400);
        assertThat(a.json().get("message").stringValue()).startsWith("not JSON: ").contains("line 2");
        assertThat(post("/messages", "{\"to\": 1, \"to\": 2}", true).json().get("message").stringValue()).contains("Duplicate");
        assertThat(post("/messages", "{} {}", true).status()).isEqualTo(400);
        assertThat(post("/messages", "", true).status()).isEqualTo(400);
        assertThat(server.connections()).isZero();
    }

    @Test
    void aWrongFieldIs400NamingIt() throws Exception {
        Answer a = post("{'from': 'app@example.com', 'to': ['a@example.org', 'nobody'], 'text': 'x'}");
        assertThat(a.status()).isEqualTo(400);
        assertThat(a.json().get("field").stringValue()).isEqualTo("to[1]");
        assertThat(a.json().get("message").stringValue()).startsWith("to[1]: not an address");
        assertThat(server.connections()).isZero();
    }

    @Test
    void aRequestLargerThanTheLimitIs413() throws Exception {
        Answer a = post("{'from': 'app@example.com', 'to': ['a@example.org'], 'text': '" + "x".repeat(5000) + "'}");
        assertThat(a.status()).isEqualTo(413);
        assertThat(server.connections()).isZero();
    }

    @Test
    void onlyPostOnMessagesItself() throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            var get = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin.address().getPort() + "/messages"))
                    .header("Authorization", "Bearer " + TokenFile.clientToken(tokenFile)).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(get.statusCode()).isEqualTo(405);
            assertThat(get.headers().firstValue("Allow")).hasValue("POST");
        }
        assertThat(post("/messages/other", "{}", true).status()).isEqualTo(404);
    }

    @Test
    void aServerWithoutInjectionSaysSo() throws Exception {
        admin.close();
        admin = new AdminServer(new HostPort("127.0.0.1", 0), tokenFile, null, null, null);
        admin.start();
        Answer a = post(TWO);
        assertThat(a.status()).isEqualTo(404);
        assertThat(a.json().get("message").stringValue()).contains("takes no messages");
    }
}
