package dev.facteur.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The defaults, and one refusal for each limit. */
class SettingsTest {

    private static final Path DIR = Path.of("/var/lib/facteur/events");
    private static final URI URL = URI.create("https://app.example.com/facteur/events");
    private static final String SECRET = "0123456789abcdef0123";

    @Test
    void logDefaults() {
        var s = EventLogSettings.in(DIR);
        assertThat(s.directory()).isEqualTo(DIR);
        assertThat(s.maxFileBytes()).isEqualTo(64L << 20);
        assertThat(s.keepFiles()).isEqualTo(8);
        assertThat(s.maxKeptBytes()).isEqualTo(4L << 30);
        assertThat(s.syncInterval()).isEqualTo(Duration.ofMillis(100));
        assertThat(s.syncEvents()).isEqualTo(1000);
        assertThat(s.bufferedEvents()).isEqualTo(10_000);
        assertThat(s.maxEmitWait()).isEqualTo(Duration.ofMillis(50));
    }

    @Test
    void logLimits() {
        var s = EventLogSettings.in(DIR);
        assertThatThrownBy(() -> s.withRotation(4095, 8, 1L << 30)).hasMessageContaining("max file size");
        assertThatThrownBy(() -> s.withRotation(1 << 20, 0, 1L << 30)).hasMessageContaining("at least one old file");
        assertThatThrownBy(() -> s.withRotation(1 << 20, 8, (9L << 20) - 1)).hasMessageContaining("cap on old files");
        assertThat(s.withRotation(1 << 20, 8, 9L << 20).maxKeptBytes()).isEqualTo(9L << 20);
        assertThatThrownBy(() -> s.withGroupCommit(Duration.ZERO, 1000)).hasMessageContaining("sync interval");
        assertThatThrownBy(() -> s.withGroupCommit(Duration.ofMinutes(2), 1000)).hasMessageContaining("sync interval");
        assertThatThrownBy(() -> s.withGroupCommit(Duration.ofMillis(100), 0)).hasMessageContaining("sync events");
        assertThatThrownBy(() -> s.withBuffer(0, Duration.ZERO)).hasMessageContaining("buffered events");
        assertThatThrownBy(() -> s.withBuffer(10, Duration.ofMillis(-1))).hasMessageContaining("emit wait");
        assertThatThrownBy(() -> s.withBuffer(10, Duration.ofSeconds(11))).hasMessageContaining("emit wait");
        assertThat(s.withBuffer(10, Duration.ZERO).maxEmitWait()).isZero(); // never wait: drop at once
    }

    @Test
    void webhookDefaults() {
        var w = WebhookSettings.to(URL, SECRET);
        assertThat(w.batchSize()).isEqualTo(100);
        assertThat(w.timeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(w.firstRetry()).isEqualTo(Duration.ofSeconds(1));
        assertThat(w.maxRetry()).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void webhookLimits() {
        assertThatThrownBy(() -> WebhookSettings.to(URI.create("ftp://app.example.com/x"), SECRET)).hasMessageContaining("http or https");
        assertThatThrownBy(() -> WebhookSettings.to(URI.create("/relative"), SECRET)).hasMessageContaining("http or https");
        assertThatThrownBy(() -> WebhookSettings.to(URL, "short")).hasMessageContaining("at least 16 bytes");
        var w = WebhookSettings.to(URL, SECRET);
        assertThatThrownBy(() -> w.withBatchSize(0)).hasMessageContaining("batch size");
        assertThatThrownBy(() -> w.withBatchSize(1001)).hasMessageContaining("batch size");
        assertThatThrownBy(() -> w.withTimeout(Duration.ZERO)).hasMessageContaining("timeout");
        assertThatThrownBy(() -> w.withRetries(Duration.ZERO, Duration.ofMinutes(5))).hasMessageContaining("first retry");
        assertThatThrownBy(() -> w.withRetries(Duration.ofSeconds(10), Duration.ofSeconds(5))).hasMessageContaining("longest wait");
        assertThatThrownBy(() -> w.withRetries(Duration.ofSeconds(1), Duration.ofHours(2))).hasMessageContaining("longest wait");
    }

    @Test
    void theSecretStaysOutOfLogLines() {
        assertThat(WebhookSettings.to(URL, SECRET).toString()).doesNotContain(SECRET).contains("app.example.com", "20 characters");
    }
}
