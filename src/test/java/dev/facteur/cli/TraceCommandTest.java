package dev.facteur.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.facteur.history.DeliveryHistory;
import dev.facteur.history.HistoryEvent;
import dev.facteur.history.HistorySettings;
import dev.facteur.message.QueueId;
import dev.facteur.testing.ExternalProcess;
import dev.facteur.testing.FacteurCli;
import dev.facteur.testing.TestConfig;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/** {@code facteur trace}, as typed, on a history and no server: the data directory read as it is. */
class TraceCommandTest {

    @TempDir
    Path dir;

    private Path config;
    /** Two days ago the message arrived and was deferred; a minute ago it was delivered. */
    private final Instant arrival = Instant.now().minus(Duration.ofDays(2));
    private final Instant delivery = Instant.now().minusSeconds(60);
    private final QueueId id = new QueueId.Generator().next(arrival.toEpochMilli());

    @BeforeEach
    void history() throws Exception {
        Path data = dir.resolve("data");
        config = TestConfig.in(data).writeTo(dir.resolve("facteur.toml"));
        try (var h = DeliveryHistory.open(HistorySettings.in(data.resolve("history")), Clock.systemUTC())) {
            h.record(new HistoryEvent.Received(arrival, id, "<trace-me@example.com>", "alice@example.com",
                    List.of("bob@example.org"), 812, "127.0.0.1", "", "client.example", "ESMTP", "", ""));
            h.record(new HistoryEvent.Attempt(arrival.plusSeconds(1), id, "bob@example.org", 1, HistoryEvent.Result.DEFERRED,
                    "", "", "451 4.4.1 Connection refused"));
            h.record(new HistoryEvent.Attempt(delivery, id, "bob@example.org", 2, HistoryEvent.Result.DELIVERED,
                    "mx.example.org[192.0.2.25]:25", "none (policy may)", "250 2.0.0 Ok"));
            h.record(new HistoryEvent.Removed(delivery, id, "every recipient done"));
        }
    }

    private ExternalProcess.Result facteur(String... args) {
        List<String> all = new ArrayList<>(List.of("trace"));
        all.addAll(List.of(args));
        all.addAll(List.of("--config", config.toString()));
        return FacteurCli.run(all.toArray(String[]::new));
    }

    @Test
    void byEachKeyTheSameMessage() {
        for (String key : List.of(id.toString(), "<trace-me@example.com>", "trace-me@example.com", "bob@example.org", "ALICE@example.com")) {
            var r = facteur(key);
            assertThat(r.exitCode()).as(key + "\n" + r).isZero();
            assertThat(r.stdout().lines().toList()).as(key).hasSize(5).first().asString().isEqualTo(id + "  Message-ID <trace-me@example.com>");
            assertThat(r.stdout()).contains("  received   from <alice@example.com> to bob@example.org; 812 bytes; client client.example [127.0.0.1] ESMTP\n",
                    "  deferred   bob@example.org (attempt 1), no server reached: 451 4.4.1 Connection refused\n",
                    "  delivered  bob@example.org (attempt 2) via mx.example.org[192.0.2.25]:25, TLS none (policy may): 250 2.0.0 Ok\n",
                    "  removed    left the queue: every recipient done\n");
        }
    }

    @Test
    void asJsonForScripts() throws Exception {
        var r = facteur(id.toString(), "--json");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        var json = new JsonMapper().readTree(r.stdout());
        assertThat(json.get(0).path("queue_id").asString()).isEqualTo(id.toString());
        assertThat(json.get(0).path("events").size()).isEqualTo(4);
        assertThat(json.get(0).path("queued").isNull()).isTrue();
    }

    @Test
    void sinceLeavesOutWhatCameBefore() {
        var r = facteur("bob@example.org", "--since", "1d");
        assertThat(r.stdout()).doesNotContain("received", "deferred").contains("delivered", "removed");
        assertThat(facteur("bob@example.org", "--since", "10s").exitCode()).as("every event is a minute old or more").isEqualTo(1);
    }

    @Test
    void nothingFoundIsSaidOnStderrWithExitStatus1() {
        var r = facteur("carol@example.org");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.stdout()).isEmpty();
        assertThat(r.stderr()).isEqualTo("facteur: nothing found for carol@example.org\n");
    }

    @Test
    void whatIsNoKeyIsAUsageError() {
        var r = facteur("bob");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.stderr()).contains("not a queue id, a Message-ID or an address: bob");
        assertThat(facteur("bob@example.org", "--since", "yesterday").stderr()).contains("--since: not a time ago");
        assertThat(facteur("bob@example.org", "--limit", "0").exitCode()).isEqualTo(2);
    }

    @Test
    void helpSaysWhatItShowsAndHowToAsk() {
        var r = FacteurCli.run("trace", "--help");
        assertThat(r.exitCode()).isZero();
        assertThat(r.stdout()).contains("Usage: facteur trace", "QUEUE-ID|MESSAGE-ID|ADDRESS", "--since=WHEN", "--limit=N", "--json",
                "-c, --config=FILE", "facteur trace bob@example.org --since 2d");
        assertThat(FacteurCli.run("--help").stdout()).contains("trace");
    }

    @Test
    void sinceIsATimeAgoADateOrATime() {
        Clock paris = Clock.fixed(Instant.parse("2026-12-01T12:00:00Z"), ZoneId.of("Europe/Paris"));
        assertThat(TraceCommand.since("30m", paris)).isEqualTo(Instant.parse("2026-12-01T11:30:00Z"));
        assertThat(TraceCommand.since("2d", paris)).isEqualTo(Instant.parse("2026-11-29T12:00:00Z"));
        assertThat(TraceCommand.since("2026-12-01", paris)).as("local midnight").isEqualTo(Instant.parse("2026-11-30T23:00:00Z"));
        assertThat(TraceCommand.since("2026-12-01T09:30", paris)).isEqualTo(Instant.parse("2026-12-01T08:30:00Z"));
        assertThat(TraceCommand.since("2026-12-01T09:30:00Z", paris)).isEqualTo(Instant.parse("2026-12-01T09:30:00Z"));
        assertThat(TraceCommand.since("2026-12-01T09:30:00+02:00", paris)).isEqualTo(Instant.parse("2026-12-01T07:30:00Z"));
        assertThatThrownBy(() -> TraceCommand.since("last week", paris)).isInstanceOf(IllegalArgumentException.class);
    }
}
