package dev.facteur.it.events;

import static org.assertj.core.api.Assertions.assertThat;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.facteur.testing.Dnsmasq;
import dev.facteur.testing.Loopback;
import dev.facteur.testing.Patience;
import dev.facteur.testing.SmtpSink;
import dev.facteur.testing.TestConfig;
import dev.facteur.testing.WireClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The application hears what happened to its mail: a delivered recipient and a deferred one
 * (its domain's server is down) each make an event in the event log and in a signed POST to the
 * webhook.
 */
class EventsIT {

    private static final int REMOTE_PORT = 2526;
    private static final String SECRET = "a-webhook-secret-of-some-length";

    @TempDir
    Path dir;

    private final ObjectMapper json = new ObjectMapper();

    @Test
    void everyAttemptsOutcomeIsAnEventInTheLogAndAtTheWebhook() throws Exception {
        String up = Loopback.host();
        String down = Loopback.host();
        List<String> posts = new CopyOnWriteArrayList<>();
        List<Boolean> signedWell = new CopyOnWriteArrayList<>();
        HttpServer hook = HttpServer.create(new InetSocketAddress(Loopback.host(), 0), 16);
        hook.createContext("/events", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            String signature = exchange.getRequestHeaders().getFirst("Facteur-Signature");
            signedWell.add(verifies(signature, body));
            posts.add(new String(body, StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        hook.start();
        Path secret = Files.writeString(dir.resolve("webhook.secret"), SECRET + "\n");
        List<String> zone = new ArrayList<>(List.of("local=/test/", "mx-host=up.test,mx.up.test,10", "host-record=mx.up.test," + up,
                "mx-host=down.test,mx.down.test,10", "host-record=mx.down.test," + down));
        try (var dns = Dnsmasq.start(zone); var sink = SmtpSink.start(up, REMOTE_PORT);
                var facteur = TestConfig.in(dir.resolve("data")).dns(dns.hostPort())
                        .tables("[relay]\nnetworks = [\"127.0.0.0/8\"]\n[local]\ndomains = [\"facteur.test\"]\n")
                        .tables("[events]\nenabled = true\nwebhook_url = \"http://%s:%d/events\"\nwebhook_secret_file = '%s'\n"
                                .formatted(hook.getAddress().getHostString(), hook.getAddress().getPort(), secret))
                        .delivery("remote_port = " + REMOTE_PORT + "\nretry_initial = \"1h\"\nconnect_timeout = \"10s\"").start()) {
            var smtp = facteur.smtpAddresses().getFirst();
            byte[] message = "Subject: events\r\n\r\nhello\r\n".getBytes(StandardCharsets.US_ASCII);
            String id = WireClient.submit(smtp, "<app@sender.test>", List.of("<bob@up.test>", "<carol@down.test>"), message);

            Path log = dir.resolve("data/events/events.log");
            Patience.await("a delivered and a deferred event in the log").until(() -> types(log).containsAll(List.of("delivered", "deferred")));
            List<JsonNode> events = lines(log);
            JsonNode delivered = events.stream().filter(e -> e.get("type").asText().equals("delivered")).findFirst().orElseThrow();
            assertThat(delivered.get("recipient").asText()).isEqualTo("bob@up.test");
            assertThat(delivered.get("sender").asText()).isEqualTo("app@sender.test");
            assertThat(delivered.get("sender_domain").asText()).isEqualTo("sender.test");
            assertThat(delivered.get("queue_id").asText()).isEqualTo(id);
            assertThat(delivered.get("attempt").asInt()).isEqualTo(1);
            assertThat(delivered.get("diagnostic").asText()).startsWith("250");
            JsonNode deferred = events.stream().filter(e -> e.get("type").asText().equals("deferred")).findFirst().orElseThrow();
            assertThat(deferred.get("recipient").asText()).isEqualTo("carol@down.test");
            assertThat(deferred.get("enhanced_status").asText()).startsWith("4.");
            assertThat(sink.messages()).hasSize(1);

            Patience.await("both events POSTed").until(() -> String.join("", posts).contains("carol@down.test")
                    && String.join("", posts).contains("bob@up.test"));
            assertThat(signedWell).isNotEmpty().allMatch(ok -> ok);
        } finally {
            hook.stop(0);
        }
    }

    /** The receiver's side, as docs/events.md shows it: HMAC-SHA256 of "t.body" with the secret. */
    private static boolean verifies(String header, byte[] body) {
        try {
            String t = null, v1 = null;
            for (String part : header.split(",")) {
                if (part.startsWith("t=")) t = part.substring(2);
                if (part.startsWith("v1=")) v1 = part.substring(3);
            }
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update((t + ".").getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(mac.doFinal(body)).equals(v1);
        } catch (Exception e) {
            return false;
        }
    }

    private List<JsonNode> lines(Path log) throws IOException {
        if (!Files.exists(log)) return List.of();
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(log)) if (!line.isBlank()) out.add(json.readTree(line));
        return out;
    }

    private List<String> types(Path log) throws IOException {
        return lines(log).stream().map(e -> e.get("type").asText()).toList();
    }
}
