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
import dev.facteur.message.ReversePath;
import dev.facteur.spool.Spool.Change;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Spool#commit}: a DSN and the new state of the message it reports on are one step. A crash
 * that kept the DSN but not the removal would deliver the message again; one that kept the
 * removal but not the DSN would lose the report (RFC 3461 §4: the sender asked for it).
 */
class SpoolCommitTest {

    @TempDir
    Path dir;

    private final QueueId.Generator ids = new QueueId.Generator();

    private static Envelope envelope(QueueId id, ReversePath from) {
        return new Envelope(id, Instant.ofEpochMilli(1_790_000_000_000L), from,
                List.of(Recipient.pending(new Mailbox("r", "example.test"), Notify.DEFAULT, null)),
                -1, Body.SEVEN_BIT, false, null, null, new ClientInfo("127.0.0.1", "client", "ESMTP", ""));
    }

    private static Envelope original(QueueId id) {
        return envelope(id, ReversePath.of(new Mailbox("sender", "example.org")));
    }

    private static Envelope dsn(QueueId id) {
        return envelope(id, ReversePath.NULL);
    }

    private static byte[] content(String what, int length) {
        var sb = new StringBuilder("Subject: ").append(what).append("\r\n\r\n");
        while (sb.length() < length) sb.append(what).append("\r\n");
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static Spool.Draft draft(Spool spool, QueueId id, byte[] content) throws IOException {
        Spool.Draft d = spool.draft(id);
        d.content().write(content);
        return d;
    }

    private static byte[] read(Spool spool, QueueId id) throws IOException {
        try (InputStream in = spool.openContent(id)) {
            return in.readAllBytes();
        }
    }

    private Path spool() {
        return dir.resolve("spool");
    }

    /** Stores the original in a first run of the server, so the commit under test is alone in the second run's segment. */
    private void storeOriginal(QueueId original) throws IOException {
        try (var spool = LogSpool.open(spool()); Spool.Draft d = draft(spool, original, content("original", 3000))) {
            d.commit(original(original));
        }
    }

    @FunctionalInterface
    private interface Check {
        void holds(Spool recovered, boolean committed, int cut) throws IOException;
    }

    /**
     * Commits a DSN with the removal (or update) of its original, then recovers the spool as a
     * crash at every byte of the write would have left it, and checks each with {@code check}.
     */
    private void crashAtEveryByteOf(QueueId original, QueueId report, byte[] dsnContent, boolean update, Check check) throws IOException {
        storeOriginal(original);
        Path first = SegmentFiles.segments(spool()).getLast();
        byte[] firstBytes = Files.readAllBytes(first); // as it was while the commit was being written (removal deletes it after)
        try (var spool = LogSpool.open(spool()); Spool.Draft d = draft(spool, report, dsnContent)) {
            Envelope e = spool.find(original).orElseThrow().envelope();
            Change next = update ? new Change.Update(e.withSchedule(e.schedule().withDelayNotified())) : new Change.Remove(original);
            spool.commit(List.of(new Change.Add(d, dsn(report)), next));
        }
        Path written = SegmentFiles.segments(spool()).getLast();
        assertThat(written).isNotEqualTo(first); // each run writes its own segment
        byte[] bytes = Files.readAllBytes(written);
        Path copy = dir.resolve("after-a-crash"); // read-only recovery writes nothing: one copy serves every cut
        Files.createDirectories(copy.resolve("segments"));
        Files.write(copy.resolve("segments").resolve(first.getFileName()), firstBytes);
        Files.createDirectories(copy.resolve("large"));
        for (Path f : SegmentFiles.files(spool().resolve("large"))) Files.copy(f, copy.resolve("large").resolve(f.getFileName()));
        for (int cut = 0; cut <= bytes.length; cut++) {
            Files.write(copy.resolve("segments").resolve(written.getFileName()), Arrays.copyOf(bytes, cut));
            try (var recovered = LogSpool.openReadOnly(copy)) {
                check.holds(recovered, cut == bytes.length, cut);
            }
        }
    }

    @Test
    void aCrashAtAnyByteOfADsnAndTheRemovalOfItsMessageKeepsBothOrNeither() throws IOException {
        QueueId original = ids.next();
        QueueId report = ids.next();
        byte[] dsnContent = content("report", 300);
        crashAtEveryByteOf(original, report, dsnContent, false, (recovered, committed, cut) -> {
            Optional<StoredMessage> o = recovered.find(original), r = recovered.find(report);
            assertThat(o.isPresent()).as("cut at %d: the original is there exactly when the DSN is not", cut).isNotEqualTo(r.isPresent());
            assertThat(r.isPresent()).as("cut at %d", cut).isEqualTo(committed);
            if (committed) assertThat(read(recovered, report)).isEqualTo(dsnContent);
        });
    }

    @Test
    void aCrashAtAnyByteOfALargeDsnAndTheUpdateOfItsMessageKeepsBothOrNeither() throws IOException {
        QueueId original = ids.next();
        QueueId report = ids.next();
        byte[] dsnContent = content("report", LogSpool.INLINE_LIMIT + 5000); // in large/
        crashAtEveryByteOf(original, report, dsnContent, true, (recovered, committed, cut) -> {
            boolean notified = recovered.find(original).orElseThrow().envelope().schedule().delayNotified();
            assertThat(recovered.find(report).isPresent()).as("cut at %d: the DSN is there exactly when its message says so", cut)
                    .isEqualTo(notified).isEqualTo(committed);
            if (committed) assertThat(read(recovered, report)).isEqualTo(dsnContent);
        });
    }

    @Test
    void changesApplyInTheirOrderAndSurviveARestart() throws IOException {
        QueueId a = ids.next(), b = ids.next(), gone = ids.next();
        try (var spool = LogSpool.open(spool())) {
            try (Spool.Draft d = draft(spool, gone, content("gone", 100))) {
                d.commit(original(gone));
            }
            try (Spool.Draft da = draft(spool, a, content("a", 100)); Spool.Draft db = draft(spool, b, content("b", 2 * LogSpool.INLINE_LIMIT))) {
                Envelope later = original(a).withSchedule(original(a).schedule().withHeld(true));
                spool.commit(List.of(new Change.Add(da, original(a)), new Change.Add(db, dsn(b)), new Change.Update(later),
                        new Change.Remove(gone), new Change.Remove(gone)));
            }
            assertThat(spool.find(a).orElseThrow().envelope().schedule().held()).isTrue();
        }
        try (var spool = LogSpool.open(spool())) {
            assertThat(spool.messages()).extracting(m -> m.envelope().id()).containsExactly(a, b);
            assertThat(spool.find(a).orElseThrow().envelope().schedule().held()).isTrue();
            assertThat(read(spool, a)).isEqualTo(content("a", 100));
            assertThat(read(spool, b)).isEqualTo(content("b", 2 * LogSpool.INLINE_LIMIT));
        }
    }

    @Test
    void anUpdateOfAMessageNotInTheSpoolRefusesTheWholeCommitAndKeepsNothing() throws IOException {
        QueueId report = ids.next(), unknown = ids.next();
        try (var spool = LogSpool.open(spool())) {
            try (Spool.Draft d = draft(spool, report, content("report", 2 * LogSpool.INLINE_LIMIT))) {
                assertThatThrownBy(() -> spool.commit(List.of(new Change.Add(d, dsn(report)), new Change.Update(original(unknown)))))
                        .isInstanceOf(IOException.class).hasMessageContaining("no such message: " + unknown);
            }
            assertThat(spool.messages()).isEmpty();
            assertThat(SegmentFiles.files(spool().resolve("large"))).isEmpty();
            assertThat(SegmentFiles.files(spool().resolve("incoming"))).isEmpty();
        }
        try (var spool = LogSpool.open(spool())) {
            assertThat(spool.messages()).isEmpty();
        }
    }
}
