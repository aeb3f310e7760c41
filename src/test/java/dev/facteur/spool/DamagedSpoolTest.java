package dev.facteur.spool;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.message.Body;
import dev.facteur.message.ClientInfo;
import dev.facteur.message.Envelope;
import dev.facteur.message.Mailbox;
import dev.facteur.message.Notify;
import dev.facteur.message.QueueId;
import dev.facteur.message.Recipient;
import dev.facteur.message.Ret;
import dev.facteur.message.ReversePath;
import dev.facteur.spool.SegmentFiles.Rec;
import dev.facteur.testing.LogCapture;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recovery of a spool whose files were damaged after the fact (a bad sector, flipped bits, a
 * record this code cannot read): every intact record is kept, the damage is reported with the
 * queue ids it touches, and a segment that could not be read whole is never deleted.
 */
class DamagedSpoolTest {

    @TempDir
    Path dir;

    private final QueueId.Generator ids = new QueueId.Generator();

    private static Envelope envelope(QueueId id) {
        return new Envelope(id, Instant.ofEpochMilli(1_790_000_000_000L), ReversePath.of(new Mailbox("s", "example.org")),
                List.of(Recipient.pending(new Mailbox("r", "example.test"), Notify.DEFAULT, null)),
                -1, Body.SEVEN_BIT, false, Ret.FULL, null, new ClientInfo("127.0.0.1", "client", "ESMTP", ""));
    }

    private QueueId store(Spool spool, int length) throws IOException {
        QueueId id = ids.next();
        try (Spool.Draft d = spool.draft(id)) {
            d.content().write(SpoolSamples.content(id, length));
            d.commit(envelope(id));
        }
        return id;
    }

    private List<QueueId> store(Spool spool, int count, int length) throws IOException {
        List<QueueId> out = new ArrayList<>();
        for (int i = 0; i < count; i++) out.add(store(spool, length));
        return out;
    }

    private static byte[] read(Spool spool, QueueId id) throws IOException {
        try (InputStream in = spool.openContent(id)) {
            return in.readAllBytes();
        }
    }

    private Path spool() {
        return dir.resolve("spool");
    }

    private Path segment(long n) {
        return SegmentLog.file(spool().resolve("segments"), n);
    }

    private static List<QueueId> ids(Spool spool) {
        return spool.messages().stream().map(m -> m.envelope().id()).toList();
    }

    /** The MESSAGE record of each id in a segment. */
    private static Map<QueueId, Rec> messageRecords(Path segment) throws IOException {
        Map<QueueId, Rec> out = new LinkedHashMap<>();
        for (Rec r : SegmentFiles.records(segment, Records.MESSAGE)) out.put(new QueueId(ByteBuffer.wrap(r.payload()).getLong(5)), r);
        return out;
    }

    private void assertIntact(Spool spool, List<QueueId> expected) throws IOException {
        assertThat(ids(spool)).containsExactlyElementsOf(expected);
        for (QueueId id : expected) assertThat(read(spool, id)).as("content of %s", id).isEqualTo(SpoolSamples.content(id, 2000));
    }

    private static List<QueueId> without(List<QueueId> all, QueueId... gone) {
        List<QueueId> out = new ArrayList<>(all);
        out.removeAll(List.of(gone));
        return out;
    }

    @Test
    void eightFlippedBytesLoseOneRecordAndEveryIntactRecordAfterItIsReplayed() throws IOException {
        List<QueueId> stored;
        QueueId updated;
        try (var spool = LogSpool.open(spool())) {
            stored = store(spool, 40, 2000);
            for (QueueId gone : stored.subList(20, 25)) spool.remove(gone); // delivered: must stay delivered
            updated = stored.get(30);
            Envelope e = spool.find(updated).orElseThrow().envelope();
            spool.update(e.withRecipients(List.of(e.recipients().getFirst().withState(Recipient.State.DELIVERED))));
        }
        QueueId hit = stored.get(9);
        Rec r = messageRecords(segment(1)).get(hit);
        SegmentFiles.flip(segment(1), r.end() - 100, 8); // in its content: the checksum fails, the header is fine

        try (var log = LogCapture.attach("facteur.spool", m -> m.contains(spool().toString())); var spool = LogSpool.open(spool())) {
            List<QueueId> expected = without(stored, hit);
            expected.removeAll(stored.subList(20, 25));
            assertIntact(spool, expected);
            assertThat(spool.find(updated).orElseThrow().envelope().recipients().getFirst().state()).isEqualTo(Recipient.State.DELIVERED);
            assertThat(log.errors()).singleElement().asString()
                    .contains("segment 0000000001.log is damaged", r.offset() + "-" + r.end(), "about 1 records", hit.toString());
        }
    }

    @Test
    void aGarbageHeaderIsSkippedByScanningForTheNextValidRecord() throws IOException {
        List<QueueId> stored;
        try (var spool = LogSpool.open(spool())) {
            stored = store(spool, 20, 2000);
        }
        Rec r = messageRecords(segment(1)).get(stored.get(4));
        byte[] garbage = new byte[SegmentLog.HEADER + 30];
        Arrays.fill(garbage, (byte) 0xA5); // magic, type, length and checksum all gone: its length cannot be trusted
        SegmentFiles.overwrite(segment(1), r.offset(), garbage);

        try (var log = LogCapture.attach("facteur.spool", m -> m.contains(spool().toString())); var spool = LogSpool.open(spool())) {
            assertIntact(spool, without(stored, stored.get(4)));
            assertThat(log.errors()).singleElement().asString()
                    .contains("0000000001.log", r.offset() + "-" + r.end(), "no record header readable");
        }
    }

    @Test
    void updatesWhoseMessageRecordWasLostNameTheLostMessage() throws IOException {
        List<QueueId> stored;
        try (var spool = LogSpool.open(spool())) {
            stored = store(spool, 5, 2000);
            spool.update(envelope(stored.get(2)).withSchedule(envelope(stored.get(2)).schedule().retryAt(Instant.EPOCH)));
        }
        Rec r = messageRecords(segment(1)).get(stored.get(2));
        SegmentFiles.overwrite(segment(1), r.offset(), new byte[40]); // its header too: nothing tells its id there

        try (var log = LogCapture.attach("facteur.spool", m -> m.contains(spool().toString())); var spool = LogSpool.open(spool())) {
            assertIntact(spool, without(stored, stored.get(2)));
            assertThat(log.errors()).anySatisfy(line -> assertThat(line).contains("MESSAGE record is gone", stored.get(2).toString()));
        }
    }

    @Test
    void aDamagedSegmentIsMovedToQuarantineNotDeletedOnceItsMessagesAreGone() throws IOException {
        List<QueueId> stored;
        try (var spool = LogSpool.open(spool())) {
            stored = store(spool, 10, 2000);
        }
        SegmentFiles.flip(segment(1), messageRecords(segment(1)).get(stored.get(3)).end() - 10, 8);
        byte[] damaged = Files.readAllBytes(segment(1));

        try (var log = LogCapture.attach("facteur.spool", m -> m.contains(spool().toString())); var spool = LogSpool.open(spool())) {
            for (QueueId id : without(stored, stored.get(3))) spool.remove(id);
            assertThat(segment(1)).doesNotExist();
            assertThat(spool().resolve("quarantine/0000000001.log")).hasBinaryContent(damaged);
            assertThat(log.warnings()).anySatisfy(line -> assertThat(line).contains("0000000001.log moved to quarantine/"));
        }
        try (var log = LogCapture.attach("facteur.spool", m -> m.contains(spool().toString())); var spool = LogSpool.open(spool())) {
            assertThat(spool.messages()).isEmpty();
            assertThat(log.problems()).isEmpty(); // quarantine/ is not replayed
        }
    }

    @Test
    void theLiveMessagesOfADamagedSegmentAreCopiedForwardAndTheSegmentQuarantined() throws IOException { // compaction
        List<QueueId> stored;
        try (var spool = LogSpool.open(spool())) {
            stored = store(spool, 10, 2000);
        }
        SegmentFiles.flip(segment(1), messageRecords(segment(1)).get(stored.get(3)).end() - 10, 8);
        List<QueueId> kept = List.of(stored.get(0), stored.get(9));
        List<QueueId> later;
        try (var spool = LogSpool.open(spool(), 8192)) {
            later = store(spool, 12, 2000); // fills segments 2 to 5: segment 1 is old enough for compaction
            for (QueueId id : stored) if (!kept.contains(id)) spool.remove(id);
            assertThat(segment(1)).doesNotExist();
            assertThat(spool().resolve("quarantine/0000000001.log")).exists();
        }
        try (var spool = LogSpool.open(spool())) {
            List<QueueId> expected = new ArrayList<>(kept);
            expected.addAll(later);
            assertIntact(spool, expected);
        }
    }

    @Test
    void aTornTailIsTheBatchNeverAcknowledgedNotDamage() throws IOException {
        List<QueueId> stored;
        try (var spool = LogSpool.open(spool())) {
            stored = store(spool, 3, 2000);
        }
        SegmentFiles.truncate(segment(1), Files.size(segment(1)) - 700); // the kill came in the middle of the last write
        List<QueueId> next;
        try (var log = LogCapture.attach("facteur.spool", m -> m.contains(spool().toString())); var spool = LogSpool.open(spool())) {
            assertIntact(spool, stored.subList(0, 2));
            next = store(spool, 2, 2000); // a new run, a new segment: the torn one is no longer the last
            assertThat(log.problems()).isEmpty();
        }
        try (var log = LogCapture.attach("facteur.spool", m -> m.contains(spool().toString())); var spool = LogSpool.open(spool())) {
            assertThat(log.problems()).isEmpty();
            for (QueueId id : stored.subList(0, 2)) spool.remove(id);
            assertThat(segment(1)).doesNotExist();
            assertThat(spool().resolve("quarantine")).doesNotExist();
            assertIntact(spool, next);
        }
    }

    @Test
    void damageAtTheEndOfAFullSegmentIsNotMistakenForATornTail() throws IOException {
        List<QueueId> stored;
        try (var spool = LogSpool.open(spool(), 8192)) {
            stored = store(spool, 8, 2000); // segments 1 and 2 in one run
        }
        Map<QueueId, Rec> first = messageRecords(segment(1));
        QueueId last = List.copyOf(first.keySet()).getLast();
        assertThat(segment(2)).exists();
        SegmentFiles.flip(segment(1), first.get(last).end() - 50, 8);

        try (var log = LogCapture.attach("facteur.spool", m -> m.contains(spool().toString())); var spool = LogSpool.open(spool())) {
            assertIntact(spool, without(stored, last));
            assertThat(log.errors()).singleElement().asString().contains("0000000001.log is damaged", last.toString());
            for (QueueId id : without(stored, last)) spool.remove(id);
            assertThat(spool().resolve("quarantine/0000000001.log")).exists();
        }
    }

    @Test
    void theContentFileOfAMessageWhoseRecordWasLostIsKept() throws IOException {
        QueueId big;
        QueueId small;
        try (var spool = LogSpool.open(spool())) {
            big = store(spool, 2 * LogSpool.INLINE_LIMIT);
            small = store(spool, 2000);
        }
        Rec r = messageRecords(segment(1)).get(big);
        SegmentFiles.flip(segment(1), r.payloadAt() + 20, 8); // in its envelope

        try (var spool = LogSpool.open(spool())) {
            assertThat(ids(spool)).containsExactly(small);
        }
        assertThat(spool().resolve("large/" + big)).doesNotExist();
        assertThat(spool().resolve("quarantine/large-" + big)).hasBinaryContent(SpoolSamples.content(big, 2 * LogSpool.INLINE_LIMIT));
    }

    // ---- records whose checksum matches, but which this code cannot read --------------------------

    /** The byte at which the encodings of two envelopes differ (they must differ in one byte). */
    private static int differingByte(Envelope a, Envelope b) {
        byte[] x = EnvelopeCodec.encode(a), y = EnvelopeCodec.encode(b);
        assertThat(x).hasSameSizeAs(y);
        int at = -1;
        for (int i = 0; i < x.length; i++) {
            if (x[i] != y[i]) {
                assertThat(at).as("one byte differs").isEqualTo(-1);
                at = i;
            }
        }
        return at;
    }

    /** Stores five messages, then rewrites the third's MESSAGE record with the envelope byte at {@code at} set to {@code value}, checksum and all. */
    private List<QueueId> storeWithBadEnvelopeByte(int at, int value) throws IOException {
        List<QueueId> stored;
        try (var spool = LogSpool.open(spool())) {
            stored = store(spool, 5, 2000);
        }
        Rec r = messageRecords(segment(1)).get(stored.get(2));
        byte[] payload = r.payload().clone();
        payload[4 + at] = (byte) value; // after the envelope's length
        SegmentFiles.replace(segment(1), r, payload);
        return stored;
    }

    private void assertSkippedWithItsQueueIdNamed(List<QueueId> stored, String why) throws IOException {
        QueueId bad = stored.get(2);
        try (var log = LogCapture.attach("facteur.spool", m -> m.contains(spool().toString())); var spool = LogSpool.open(spool())) {
            assertIntact(spool, without(stored, bad));
            assertThat(log.warnings()).singleElement().asString().contains("0000000001.log", "MESSAGE record skipped", why, bad.toString());
            assertThat(log.errors()).singleElement().asString().contains("0000000001.log is damaged", bad.toString());
            log.close();
            for (QueueId id : without(stored, bad)) spool.remove(id);
            assertThat(spool().resolve("quarantine/0000000001.log")).exists(); // not read whole: never deleted
        }
    }

    @Test
    void anUnknownBodyTypeSkipsThatMessageOnly() throws IOException {
        Envelope e = envelope(new QueueId(1));
        int at = differingByte(e, e.withBody(Body.EIGHT_BIT_MIME));
        assertSkippedWithItsQueueIdNamed(storeWithBadEnvelopeByte(at, 9), "unknown BODY 9");
    }

    @Test
    void anUnknownRetSkipsThatMessageOnly() throws IOException {
        Envelope e = envelope(new QueueId(1));
        int at = differingByte(e, new Envelope(e.id(), e.arrival(), e.sender(), e.recipients(), e.declaredSize(), e.body(),
                e.smtpUtf8(), Ret.HDRS, e.envid(), e.client()));
        assertSkippedWithItsQueueIdNamed(storeWithBadEnvelopeByte(at, 7), "unknown RET 7");
    }

    @Test
    void anUnknownRecipientStateSkipsThatMessageOnly() throws IOException {
        Envelope e = envelope(new QueueId(1));
        int at = differingByte(e, e.withRecipients(List.of(e.recipients().getFirst().withState(Recipient.State.DELIVERED))));
        assertSkippedWithItsQueueIdNamed(storeWithBadEnvelopeByte(at, 9), "unknown recipient state 9");
    }

    @Test
    void anUnknownEnvelopeVersionSkipsThatMessageOnly() throws IOException {
        assertSkippedWithItsQueueIdNamed(storeWithBadEnvelopeByte(0, 99), "unknown envelope version 99");
    }

    @Test
    void aContentLengthThatDisagreesWithTheRecordSkipsThatMessageOnly() throws IOException {
        List<QueueId> stored;
        try (var spool = LogSpool.open(spool())) {
            stored = store(spool, 5, 2000);
        }
        Rec r = messageRecords(segment(1)).get(stored.get(2));
        ByteBuffer payload = ByteBuffer.wrap(r.payload().clone());
        int envLength = payload.getInt(0);
        payload.putLong(4 + envLength + 1, 10); // says 10 bytes; 2000 follow
        SegmentFiles.replace(segment(1), r, payload.array());
        assertSkippedWithItsQueueIdNamed(stored, "content length 10");
    }

    @Test
    void anUpdateOfGarbageLeavesTheMessageAsItWas() throws IOException {
        List<QueueId> stored;
        Envelope before;
        try (var spool = LogSpool.open(spool())) {
            stored = store(spool, 3, 2000);
            before = spool.find(stored.get(1)).orElseThrow().envelope();
            spool.update(before.withSchedule(before.schedule().retryAt(Instant.EPOCH)));
        }
        Rec r = SegmentFiles.records(segment(1), Records.UPDATE).getFirst();
        byte[] payload = r.payload().clone();
        for (int i = 9; i < payload.length; i++) payload[i] = (byte) (i * 37); // version and id kept, the rest garbage
        SegmentFiles.replace(segment(1), r, payload);

        try (var log = LogCapture.attach("facteur.spool", m -> m.contains(spool().toString())); var spool = LogSpool.open(spool())) {
            assertIntact(spool, stored);
            assertThat(spool.find(stored.get(1)).orElseThrow().envelope()).isEqualTo(before);
            assertThat(log.warnings()).singleElement().asString().contains("UPDATE record skipped", stored.get(1).toString());
        }
    }

    @Test
    void aRecordOfAnUnknownTypeIsSkippedAndTheRestReplayed() throws IOException {
        List<QueueId> stored;
        try (var spool = LogSpool.open(spool())) {
            stored = store(spool, 3, 2000);
        }
        // A record a newer version might write, between two messages.
        Rec second = messageRecords(segment(1)).get(stored.get(1));
        byte[] all = Files.readAllBytes(segment(1));
        byte[] unknown = SegmentFiles.record((byte) 42, "from the future".getBytes(StandardCharsets.US_ASCII));
        Files.write(segment(1), ByteBuffer.allocate(all.length + unknown.length).put(all, 0, (int) second.offset()).put(unknown)
                .put(all, (int) second.offset(), all.length - (int) second.offset()).array());

        try (var log = LogCapture.attach("facteur.spool", m -> m.contains(spool().toString())); var spool = LogSpool.open(spool())) {
            assertIntact(spool, stored);
            assertThat(log.warnings()).singleElement().asString().contains("0000000001.log", "type 42 record skipped", "unknown record type 42");
        }
    }
}
