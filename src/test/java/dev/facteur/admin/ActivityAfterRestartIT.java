package dev.facteur.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.net.HostPort;
import dev.facteur.server.Facteur;
import dev.facteur.testing.Patience;
import dev.facteur.testing.TestConfig;
import dev.facteur.testing.WireClient;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The dashboard's charts after a restart: what the server did before it is read back from the
 * delivery history, so an operator who restarts (or upgrades) still sees the last hours.
 */
class ActivityAfterRestartIT {

    @TempDir
    Path dir;

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void acceptedMailAndItsDeferralsAreStillCountedAfterARestart() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort(); // closed again: the relay refuses every connection, so the attempt defers
        }
        Path data = Files.createDirectories(dir.resolve("data"));
        String token = TokenFile.add(data.resolve("admin.token"), true, "dashboard");
        var config = TestConfig.in(data).dns(new HostPort("127.0.0.1", 9))
                .delivery(Map.of("smarthost", "[127.0.0.1]:" + closed, "retry_initial", "1h", "retry_max", "2h"));

        try (Facteur first = config.start()) {
            String id = WireClient.submit(first.smtpAddresses().getFirst(), "<alice@example.org>", List.of("<bob@example.net>"),
                    "From: <alice@example.org>\r\nSubject: hi\r\n\r\nHello.\r\n".getBytes(StandardCharsets.US_ASCII));
            Patience.await(id + " deferred once").until(() -> totals(first, token).get("deferred").intValue() == 1);
            assertThat(totals(first, token).get("accepted").intValue()).isEqualTo(1);
        }
        try (Facteur second = config.start()) {
            Patience.await("the history read back").until(() -> totals(second, token).get("accepted").intValue() == 1);
            assertThat(totals(second, token).get("deferred").intValue()).isEqualTo(1);
        }
    }

    /** The sums of the last hour's buckets, by column. */
    private static JsonNode totals(Facteur facteur, String token) throws Exception {
        var admin = facteur.adminAddress().orElseThrow();
        var response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin.getPort() + "/api/activity?hours=1"))
                .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        var sums = new JsonMapper().createObjectNode();
        for (String column : List.of("accepted", "delivered", "deferred", "bounced", "expired")) {
            long n = 0;
            for (JsonNode b : new JsonMapper().readTree(response.body()).get("buckets")) n += b.get(column).longValue();
            sums.put(column, n);
        }
        return sums;
    }
}
