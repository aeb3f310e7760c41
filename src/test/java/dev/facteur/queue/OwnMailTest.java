package dev.facteur.queue;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.dsn.DsnWriter;
import dev.facteur.message.Body;
import dev.facteur.message.Envelope;
import dev.facteur.message.Mailbox;
import dev.facteur.message.QueueId;
import dev.facteur.spool.LogSpool;
import dev.facteur.spool.Spool;
import dev.facteur.testing.ManualClock;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Mail Facteur writes itself (DMARC reports) enters the queue signed, from its sender, and asks for no DSN. */
class OwnMailTest {

    @TempDir
    Path dir;

    private final ManualClock clock = ManualClock.stopped();
    private final ScriptedDeliverer deliverer = new ScriptedDeliverer();
    private final OwnMailSigner signer = (message, eightBit) -> new OwnMailSigner.Signed(List.of("DKIM-Signature: v=1; d=mx.facteur.test\r\n"), null);
    private Spool spool;
    private QueueManager queue;

    private static final byte[] REPORT = "From: <dmarc-reports@mx.facteur.test>\r\nTo: <dmarc@example.org>\r\nSubject: Report\r\n\r\nGzip.\r\n"
            .getBytes(StandardCharsets.US_ASCII);

    @BeforeEach
    void open() throws IOException {
        spool = LogSpool.open(dir);
        queue = new QueueManager(spool, deliverer, new DsnWriter("mx.facteur.test", ZoneOffset.UTC), signer, "mx.facteur.test",
                new QueueId.Generator(), new RetryPolicy(Duration.ofMinutes(5), Duration.ofHours(1), Duration.ofDays(5), Duration.ofHours(4)),
                clock, 10, 10);
    }

    @AfterEach
    void close() throws IOException {
        queue.close();
        spool.close();
    }

    @Test
    void aSubmittedMessageIsSpooledSignedFromItsSenderWithNotifyNever() throws IOException {
        QueueId id = queue.submit(new Mailbox("dmarc-reports", "mx.facteur.test"), new Mailbox("dmarc", "example.org"), REPORT);
        Envelope e = spool.find(id).orElseThrow().envelope();
        assertThat(e.sender().mailbox()).contains(new Mailbox("dmarc-reports", "mx.facteur.test"));
        assertThat(e.recipients()).singleElement().satisfies(r -> {
            assertThat(r.address()).isEqualTo(new Mailbox("dmarc", "example.org"));
            assertThat(r.dsnNotify().isNever()).as("RFC 3461 NOTIFY=NEVER: nobody to tell").isTrue();
        });
        assertThat(e.body()).isEqualTo(Body.SEVEN_BIT);
        try (InputStream in = spool.openContent(id)) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.US_ASCII))
                    .isEqualTo("DKIM-Signature: v=1; d=mx.facteur.test\r\n" + new String(REPORT, StandardCharsets.US_ASCII));
        }
    }

    @Test
    void aSubmittedMessageIsDeliveredLikeAnyOther() throws IOException {
        deliverer.script.put("dmarc@example.org", ScriptedDeliverer.ok());
        QueueId id = queue.submit(new Mailbox("dmarc-reports", "mx.facteur.test"), new Mailbox("dmarc", "example.org"), REPORT);
        assertThat(queue.scheduled()).as("due now: the queue is not running in this test").isEqualTo(1);
        queue.process(id);
        assertThat(deliverer.attempted).contains("dmarc@example.org");
        assertThat(spool.find(id)).isEmpty();
    }
}
