package dev.facteur.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.admin.TokenFile;
import dev.facteur.server.Facteur;
import dev.facteur.testing.Dnsmasq;
import dev.facteur.testing.ExternalProcess;
import dev.facteur.testing.Patience;
import dev.facteur.testing.TestConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * An application sends through the HTTP injection API of a whole Facteur: what it is told was
 * queued arrives, each recipient's message filled in with its own variables, as a mail reader
 * (Python's email package) reads it; a recipient the server refuses at RCPT is reported while the
 * others go; without the admin token or with broken JSON nothing is sent. Once with curl, as the
 * documentation shows it.
 */
class InjectionApiIT {

    private static final JsonMapper JSON = new JsonMapper();

    @TempDir
    Path dir;
    private Dnsmasq dns;
    private Facteur facteur;
    private String url;
    private String token;

    @BeforeEach
    void start() throws Exception {
        dns = Dnsmasq.start(List.of("local=/test/"));
        facteur = TestConfig.in(dir.resolve("data")).dns(dns.hostPort())
                .tables("""
                        [relay]
                        networks = ["192.0.2.0/24"]   # not loopback: the API submits over the local socket, never as a relay client
                        [local]
                        domains = ["facteur.test"]
                        users = ["alice", "bob", "carol"]
                        """)
                .delivery(Map.of("retry_initial", "1s", "retry_max", "2s")).start();
        var admin = facteur.adminAddress().orElseThrow();
        url = "http://" + admin.getHostString() + ":" + admin.getPort() + "/messages";
        token = TokenFile.clientToken(dir.resolve("data/admin.token"));
    }

    @AfterEach
    void stop() throws Exception {
        if (facteur != null) facteur.close();
        if (dns != null) dns.close();
    }

    private record Answer(int status, JsonNode json) {}

    private Answer post(String body, String authorization) throws Exception {
        var b = HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) b.header("Authorization", authorization);
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(r.statusCode(), JSON.readTree(r.body()));
        }
    }

    private Path maildir(String user) {
        return dir.resolve("data/mail/facteur.test").resolve(user);
    }

    private static List<JsonNode> read(Path maildir) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        if (!Files.isDirectory(maildir)) return out;
        ExternalProcess.python("/it/inject/read_messages.py", maildir.toString()).forEach(out::add);
        return out;
    }

    private static JsonNode awaitOne(Path maildir) {
        return Patience.await(maildir + " holds a message").until(() -> read(maildir), l -> !l.isEmpty()).getFirst();
    }

    @Test
    void eachRecipientGetsItsOwnMessageAndTheQueueIdsAreThoseOfWhatArrives() throws Exception {
        String request = """
                {"from": "Ünïcode News <news@sender.test>",
                 "to": [{"address": "alice@facteur.test", "name": "Alice A.", "variables": {"name": "Alice"}},
                        {"address": "bob@facteur.test", "variables": {"name": "Bob <the builder>"}},
                        "nobody@facteur.test"],
                 "subject": "Grüße, {{name}}",
                 "text": "Dear {{name}},\\nyour order ships today.\\n",
                 "html": "<p>Dear {{name}},</p><p>your order ships today.</p>",
                 "headers": {"Reply-To": "Support <help@sender.test>", "X-Campaign": "spring"},
                 "variables": {"name": "friend"}}""";
        Answer a = post(request, "Bearer " + token);
        assertThat(a.status()).as(a.json().toString()).isEqualTo(200);
        assertThat(a.json().get("ok").booleanValue()).isFalse();
        assertThat(a.json().get("refused")).singleElement().satisfies(r -> {
            assertThat(r.get("recipient").stringValue()).isEqualTo("nobody@facteur.test");
            assertThat(r.get("reply").stringValue()).startsWith("550 5.1.1");
        });
        JsonNode messages = a.json().get("messages");
        assertThat(messages).hasSize(2);

        JsonNode alice = awaitOne(maildir("alice"));
        JsonNode toAlice = messages.get(0);
        assertThat(toAlice.get("recipients").get(0).stringValue()).isEqualTo("alice@facteur.test");
        assertThat(alice.get("received").toString()).contains(" id " + toAlice.get("queue_id").stringValue());
        assertThat(alice.get("message_id").stringValue()).isEqualTo(toAlice.get("message_id").stringValue());
        assertThat(alice.get("subject").stringValue()).isEqualTo("Grüße, Alice");
        assertThat(alice.get("from").stringValue()).isEqualTo("Ünïcode News <news@sender.test>");
        assertThat(alice.get("to").stringValue()).isEqualTo("\"Alice A.\" <alice@facteur.test>");
        assertThat(alice.get("content_type").stringValue()).isEqualTo("multipart/alternative");
        assertThat(alice.get("text").stringValue()).isEqualTo("Dear Alice,\nyour order ships today.\n");
        assertThat(alice.get("defects")).isEmpty();

        JsonNode bob = awaitOne(maildir("bob"));
        assertThat(bob.get("received").toString()).contains(" id " + messages.get(1).get("queue_id").stringValue());
        assertThat(bob.get("subject").stringValue()).isEqualTo("Grüße, Bob <the builder>");
        assertThat(bob.get("html").stringValue()).contains("<p>Dear Bob &lt;the builder&gt;,</p>");
        assertThat(bob.get("to").stringValue()).as("each sees only their own address").isEqualTo("bob@facteur.test");
        assertThat(bob.get("defects")).isEmpty();
    }

    @Test
    void withoutTheTokenOrWithBrokenJsonNothingIsSent() throws Exception {
        String request = "{\"from\": \"news@sender.test\", \"to\": [\"alice@facteur.test\"], \"text\": \"x\"}";
        assertThat(post(request, null).status()).isEqualTo(401);
        assertThat(post(request, "Bearer not-the-token-but-long-enough-to-look-like-one").status()).isEqualTo(401);
        Answer broken = post("{\"from\": \"news@sender.test\", \"to\": [\"alice@facteur.test\"", "Bearer " + token);
        assertThat(broken.status()).isEqualTo(400);
        assertThat(broken.json().get("message").stringValue()).startsWith("not JSON");
        Answer wrong = post("{\"from\": \"news@sender.test\", \"to\": [\"alice@facteur.test\"], \"text\": \"Hi {{name}}\"}", "Bearer " + token);
        assertThat(wrong.status()).isEqualTo(400);
        assertThat(wrong.json().get("message").stringValue()).isEqualTo("text: no value for {{name}}: give it in variables");
        assertThat(facteur.spool().messages()).isEmpty();
    }

    @Test
    void curlPostsARawMessageAsTheDocumentationShows() throws Exception {
        Path body = Files.writeString(dir.resolve("request.json"), """
                {"from": "App <app@sender.test>", "to": ["carol@facteur.test"],
                 "raw": "Subject: raw from curl\\nBcc: hidden@facteur.test\\n\\nHello Carol.\\n"}""");
        var r = ExternalProcess.run(List.of("curl", "-sS", "-H", "Authorization: Bearer " + token, "-H", "Content-Type: application/json",
                "--data-binary", "@" + body, url));
        assertThat(r.exitCode()).as(r.toString()).isZero();
        JsonNode answer = JSON.readTree(r.stdout());
        assertThat(answer.get("ok").booleanValue()).as(r.stdout()).isTrue();
        JsonNode carol = awaitOne(maildir("carol"));
        assertThat(carol.get("subject").stringValue()).isEqualTo("raw from curl");
        assertThat(carol.get("from").stringValue()).isEqualTo("App <app@sender.test>");
        assertThat(carol.get("text").stringValue()).isEqualTo("Hello Carol.\n");
        assertThat(carol.get("received").toString()).contains(" id " + answer.get("messages").get(0).get("queue_id").stringValue());
        assertThat(carol.get("message_id").stringValue()).isEqualTo(answer.get("messages").get(0).get("message_id").stringValue());
    }
}
