package dev.facteur.spool;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.message.Body;
import dev.facteur.message.ClientInfo;
import dev.facteur.message.Envelope;
import dev.facteur.message.Mailbox;
import dev.facteur.message.Notify;
import dev.facteur.message.QueueId;
import dev.facteur.message.Recipient;
import dev.facteur.message.ReversePath;
import dev.facteur.metrics.Metrics;
import dev.facteur.testing.ManualClock;
import dev.facteur.testing.PrometheusText;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The spool reports each commit's wait and how many records each of the group commit's syncs covered. */
class SpoolMetricsTest {

    @TempDir
    Path dir;

    private final QueueId.Generator ids = new QueueId.Generator();

    private static Envelope envelope(QueueId id) {
        return new Envelope(id, Instant.ofEpochMilli(1_790_000_000_000L), ReversePath.of(new Mailbox("sender", "example.org")),
                List.of(Recipient.pending(new Mailbox("r", "example.test"), Notify.DEFAULT, null)),
                -1, Body.SEVEN_BIT, false, null, null, new ClientInfo("127.0.0.1", "client", "ESMTP", ""));
    }

    @Test
    void eachCommitIsTimedAndEachSyncCountsTheRecordsItMadeDurable() throws Exception {
        Metrics metrics = Metrics.prometheus(ManualClock.stopped());
        try (var spool = LogSpool.open(dir.resolve("spool")).measuredBy(metrics.spool())) {
            for (int i = 0; i < 2; i++) { // one after the other: a sync each
                QueueId id = ids.next();
                try (Spool.Draft d = spool.draft(id)) {
                    d.content().write("Subject: one\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII));
                    d.commit(envelope(id));
                }
            }
            spool.remove(spool.messages().getFirst().envelope().id());
        }
        var text = PrometheusText.parse(metrics.scrape());
        assertThat(text.value("facteur_spool_commit_duration_seconds_count")).as("two messages and a removal").isEqualTo(3);
        assertThat(text.value("facteur_spool_commit_batch_size_count")).isEqualTo(3);
        assertThat(text.value("facteur_spool_commit_batch_size_sum")).as("one record a commit").isEqualTo(3);
    }
}
