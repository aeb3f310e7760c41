package dev.facteur.spool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.facteur.message.Body;
import dev.facteur.message.ClientInfo;
import dev.facteur.message.Envelope;
import dev.facteur.message.Mailbox;
import dev.facteur.message.Notify;
import dev.facteur.message.QueueId;
import dev.facteur.message.Recipient;
import dev.facteur.message.Ret;
import dev.facteur.message.ReversePath;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogSpoolTest {

    @TempDir
    Path dir;

    private final QueueId.Generator ids = new QueueId.Generator();

    private Envelope envelope(QueueId id) {
        return new Envelope(id, Instant.ofEpochMilli(1_790_000_000_000L), ReversePath.of(new Mailbox("\"a b\"", "example.org")),
                List.of(new Recipient(new Mailbox("x", "example.test"), new Notify(EnumSet.of(Notify.Condition.SUCCESS), true),
                        "rfc822;x@example.test", Recipient.State.PENDING),
                        Recipient.pending(new Mailbox("y", "example.test"), Notify.DEFAULT, null)),
                1234, Body.EIGHT_BIT_MIME, true, Ret.HDRS, "env+2Bid", new ClientInfo("127.0.0.1", "client", "ESMTPS", "TLSv1.3"));
    }

    private QueueId store(Spool spool, byte[] content) throws IOException {
        QueueId id = ids.next();
        try (Spool.Draft d = spool.draft(id)) {
            d.content().write(content);
            d.commit(envelope(id));
        }
        return id;
    }

    private static byte[] read(Spool spool, QueueId id) throws IOException {
        try (InputStream in = spool.openContent(id)) {
            return in.readAllBytes();
        }
    }

    @Test
    void committedMessagesSurviveARestartWithTheirWholeEnvelope() throws IOException {
        QueueId id;
        try (var spool = LogSpool.open(dir)) {
            id = store(spool, "hello\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        try (var spool = LogSpool.open(dir)) {
            assertThat(spool.messages()).hasSize(1);
            assertThat(spool.find(id).orElseThrow().envelope()).isEqualTo(envelope(id));
            assertThat(read(spool, id)).isEqualTo("hello\r\n".getBytes(StandardCharsets.US_ASCII));
        }
    }

    @Test
    void anExpandedAliasIsKeptWithItsStateAcrossARestart() throws IOException {
        QueueId id = ids.next();
        var env = envelope(id).withRecipients(List.of(
                new Recipient(new Mailbox("team", "example.test"), new Notify(EnumSet.of(Notify.Condition.SUCCESS), true), null,
                        Recipient.State.EXPANDED, "250 2.0.0 Expanded to 2 recipients", null),
                Recipient.pending(new Mailbox("a", "example.test"), Notify.DEFAULT, "rfc822;team@example.test")));
        try (var spool = LogSpool.open(dir)) {
            try (Spool.Draft d = spool.draft(id)) {
                d.content().write("x\r\n".getBytes(StandardCharsets.US_ASCII));
                d.commit(env);
            }
        }
        try (var spool = LogSpool.open(dir)) {
            assertThat(spool.find(id).orElseThrow().envelope()).isEqualTo(env);
        }
    }

    @Test
    void anUncommittedDraftLeavesNothing() throws IOException {
        try (var spool = LogSpool.open(dir)) {
            try (Spool.Draft d = spool.draft(ids.next())) {
                d.content().write(new byte[3 * LogSpool.INLINE_LIMIT]); // spilled to a file, then dropped
            }
            assertThat(spool.messages()).isEmpty();
        }
        try (var spool = LogSpool.open(dir)) {
            assertThat(spool.messages()).isEmpty();
        }
        try (var files = Files.list(dir.resolve("incoming"))) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void largeMessagesAreStoredInTheirOwnFile() throws IOException {
        byte[] big = new byte[2 * LogSpool.INLINE_LIMIT + 17];
        for (int i = 0; i < big.length; i++) big[i] = (byte) i;
        QueueId id;
        try (var spool = LogSpool.open(dir)) {
            id = store(spool, big);
        }
        try (var spool = LogSpool.open(dir)) {
            assertThat(read(spool, id)).isEqualTo(big);
            assertThat(spool.find(id).orElseThrow().size()).isEqualTo(big.length);
        }
    }

    @Test
    void updatesAndRemovalsAreReplayedInOrder() throws IOException {
        QueueId a, b;
        try (var spool = LogSpool.open(dir)) {
            a = store(spool, "a".getBytes());
            b = store(spool, "b".getBytes());
            Envelope e = spool.find(a).orElseThrow().envelope();
            spool.update(e.withRecipients(List.of(e.recipients().get(0).withState(Recipient.State.DELIVERED), e.recipients().get(1))));
            spool.remove(b);
        }
        try (var spool = LogSpool.open(dir)) {
            assertThat(spool.messages()).extracting(m -> m.envelope().id()).containsExactly(a);
            assertThat(spool.find(a).orElseThrow().envelope().recipients().get(0).state()).isEqualTo(Recipient.State.DELIVERED);
        }
    }

    @Test
    void aTornTailIsIgnoredAndEarlierRecordsKept() throws IOException { // a crash in the middle of a write
        QueueId id;
        try (var spool = LogSpool.open(dir)) {
            id = store(spool, "kept".getBytes());
            store(spool, "torn".getBytes());
        }
        Path segment;
        try (var s = Files.list(dir.resolve("segments"))) {
            segment = s.sorted().toList().getFirst();
        }
        try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - 3);
        }
        try (var spool = LogSpool.open(dir)) {
            assertThat(spool.messages()).extracting(m -> m.envelope().id()).containsExactly(id);
        }
    }

    @Test
    void emptySegmentsAreDeletedOnceTheirMessagesAreGone() throws IOException {
        try (var spool = LogSpool.open(dir)) {
            store(spool, "x".getBytes());
        }
        try (var spool = LogSpool.open(dir)) {
            spool.remove(spool.messages().getFirst().envelope().id());
            try (var s = Files.list(dir.resolve("segments"))) {
                assertThat(s).hasSize(1); // only the segment being written
            }
        }
    }

    @Test
    void concurrentCommitsShareTheLogAndAllSurvive() throws Exception {
        List<QueueId> committed = new ArrayList<>();
        try (var spool = LogSpool.open(dir); var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<QueueId>> fs = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                int n = i;
                fs.add(pool.submit(() -> store(spool, ("message " + n).getBytes())));
            }
            for (var f : fs) committed.add(f.get());
        }
        try (var spool = LogSpool.open(dir)) {
            assertThat(spool.messages()).extracting(m -> m.envelope().id()).containsExactlyInAnyOrderElementsOf(committed);
        }
    }

    @Test
    void onlyOneProcessMayWriteASpool() throws IOException {
        try (var spool = LogSpool.open(dir)) {
            assertThatThrownBy(() -> LogSpool.open(dir)).hasMessageContaining("in use");
            // reading alongside the writer is fine (queue tools)
            store(spool, "x".getBytes());
            try (var reader = LogSpool.openReadOnly(dir)) {
                assertThat(reader.messages()).hasSize(1);
            }
        }
    }

    @Test
    void oneLongQueuedMessageDoesNotPinOldSegments() throws IOException { // compaction
        QueueId keep;
        List<QueueId> gone = new ArrayList<>();
        try (var spool = LogSpool.open(dir, 4096)) {
            keep = store(spool, "kept content\r\n".getBytes());
            for (int i = 0; i < 40; i++) gone.add(store(spool, ("x".repeat(1000) + i).getBytes()));
            Envelope e = spool.find(keep).orElseThrow().envelope();
            spool.update(e.withSchedule(e.schedule().retryAt(Instant.ofEpochMilli(1_790_000_100_000L))));
            for (QueueId id : gone) spool.remove(id);
            try (var s = Files.list(dir.resolve("segments"))) {
                assertThat(s.count()).isLessThanOrEqualTo(3);
            }
            assertThat(read(spool, keep)).isEqualTo("kept content\r\n".getBytes());
        }
        try (var spool = LogSpool.open(dir)) {
            assertThat(spool.messages()).extracting(m -> m.envelope().id()).containsExactly(keep);
            assertThat(spool.find(keep).orElseThrow().envelope().schedule().attempts()).isEqualTo(1);
            assertThat(read(spool, keep)).isEqualTo("kept content\r\n".getBytes());
        }
    }
}
