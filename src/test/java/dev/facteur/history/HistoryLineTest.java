package dev.facteur.history;

import static dev.facteur.history.Events.bounced;
import static dev.facteur.history.Events.delivered;
import static dev.facteur.history.Events.failureDsn;
import static dev.facteur.history.Events.id;
import static dev.facteur.history.Events.received;
import static dev.facteur.history.Events.removed;
import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.message.QueueId;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One event, one line of JSON: what is written is what is read back, and a line that is not whole is no event. */
class HistoryLineTest {

    private static final Instant T = Instant.parse("2026-12-01T09:14:03.120Z");
    private static final QueueId ID = id("2026-12-01T09:14:03Z", 7);
    private static final QueueId DSN = id("2026-12-01T09:14:04Z", 1);

    private static String line(HistoryEvent e) {
        return new String(HistoryLine.write(e), StandardCharsets.UTF_8);
    }

    @Test
    void everyKindOfEventIsReadBackAsWritten() {
        List<HistoryEvent> all = List.of(received(ID, T, "<3f9a@example.com>", "alice@example.com", "bob@example.org", "carol@example.net"),
                delivered(ID, T.plusMillis(300), "bob@example.org"), bounced(ID, T.plusMillis(400), "carol@example.net"),
                new HistoryEvent.Attempt(T, ID, "dave@example.org", 3, HistoryEvent.Result.DEFERRED, "", "", "451 4.4.1 Connection refused"),
                new HistoryEvent.Attempt(T, ID, "erin@example.org", 1, HistoryEvent.Result.HELD, "hold", "", "451 4.3.0 Held by the transport map"),
                new HistoryEvent.GaveUp(T, ID, "dave@example.org", "451 4.4.7 Message expired after 5 days in the queue"),
                failureDsn(ID, DSN, T.plusMillis(500), "alice@example.com", "carol@example.net"),
                removed(ID, T.plusMillis(501)));
        for (HistoryEvent e : all) {
            String line = line(e);
            assertThat(line).endsWith("}\n").doesNotContain("\n}");
            assertThat(HistoryLine.read(line.strip())).as(line).contains(e);
        }
    }

    @Test
    void theNullSenderIsTheEmptyString() {
        var e = received(ID, T, "", "", "alice@example.com");
        assertThat(line(e)).contains("\"from\":\"\"").doesNotContain("message_id");
        assertThat(HistoryLine.read(line(e).strip())).contains(e);
    }

    @Test
    void everyLineStartsWithTimeQueueIdAndEventAtFixedPlaces() { // so that a reader picks the queue id without parsing
        String line = line(delivered(ID, Instant.parse("2026-12-01T00:00:00Z"), "bob@example.org"));
        assertThat(line).startsWith("{\"t\":\"2026-12-01T00:00:00.000Z\",\"q\":\"" + ID + "\",\"e\":\"attempt\",");
        assertThat(line.substring(HistoryLine.QUEUE_ID_AT, HistoryLine.QUEUE_ID_AT + 13)).isEqualTo(ID.toString());
        byte[] bytes = HistoryLine.write(delivered(ID, T, "bob@example.org"));
        assertThat(HistoryReader.queueIdAt(bytes, 0, bytes.length)).isEqualTo(ID);
    }

    @Test
    void textIsEscapedAsJsonRequiresAndUnicodeStaysReadable() { // RFC 8259 §7
        var e = new HistoryEvent.Attempt(T, ID, "bérénice@exemple.fr", 1, HistoryEvent.Result.BOUNCED, "", "",
                "550 5.1.1 \"quoted\" back\\slash\ttab\r\nnext\u0001 and a lone \ud800 half");
        String line = line(e);
        assertThat(line).contains("bérénice@exemple.fr", "\\\"quoted\\\" back\\\\slash\\ttab\\r\\nnext\\u0001", "lone \\ufffd half");
        assertThat(line.indexOf('\n')).isEqualTo(line.length() - 1);
        HistoryEvent back = HistoryLine.read(line.strip()).orElseThrow();
        assertThat(((HistoryEvent.Attempt) back).reply()).isEqualTo("550 5.1.1 \"quoted\" back\\slash\ttab\r\nnext\u0001 and a lone \ufffd half");
    }

    @Test
    void aLineCutShortOrDamagedIsNoEvent() {
        String whole = line(received(ID, T, "<a@b>", "alice@example.com", "bob@example.org")).strip();
        for (int cut = 0; cut < whole.length(); cut++) assertThat(HistoryLine.read(whole.substring(0, cut))).as("cut at " + cut).isEmpty();
        assertThat(HistoryLine.read("{\"t\":\"yesterday\",\"q\":\"" + ID + "\",\"e\":\"removed\"}")).isEmpty();
        assertThat(HistoryLine.read("{\"t\":\"2026-12-01T00:00:00.000Z\",\"q\":\"not-an-id\",\"e\":\"removed\"}")).isEmpty();
        assertThat(HistoryLine.read("{\"t\":\"2026-12-01T00:00:00.000Z\",\"q\":\"" + ID + "\",\"e\":\"attempt\",\"result\":\"lost\"}")).isEmpty();
        assertThat(HistoryLine.read("[1,2]")).isEmpty();
    }

    @Test
    void anEventOfAKindThisVersionDoesNotKnowIsSkipped() { // a newer Facteur may write more kinds
        assertThat(HistoryLine.read("{\"t\":\"2026-12-01T00:00:00.000Z\",\"q\":\"" + ID + "\",\"e\":\"opened\"}")).isEmpty();
    }

    @Test
    void fieldsAddedByANewerVersionAreIgnored() {
        assertThat(HistoryLine.read("{\"t\":\"2026-12-01T00:00:00.000Z\",\"q\":\"" + ID + "\",\"e\":\"removed\",\"reason\":\"done\",\"node\":\"b\"}"))
                .contains(new HistoryEvent.Removed(Instant.parse("2026-12-01T00:00:00Z"), ID, "done"));
    }

    @Test
    void timesAreKeptToTheMillisecond() {
        var e = removed(ID, Instant.parse("2026-12-01T09:14:03.120999Z"));
        assertThat(e.time()).isEqualTo(Instant.parse("2026-12-01T09:14:03.120Z"));
        assertThat(HistoryLine.read(line(e).strip())).contains(e);
    }

    @Test
    void aDsnBelongsToTheMessageItReportsOnAndToItself() {
        assertThat(failureDsn(ID, DSN, T, "alice@example.com", "carol@example.net").owners()).containsExactlyInAnyOrder(ID, DSN);
        assertThat(failureDsn(ID, DSN, T, "a@b", "c@d").kind()).isEqualTo("failure");
        assertThat(new HistoryEvent.Dsn(T, ID, DSN, "delayed", "a@b", List.of()).kind()).isEqualTo("delay");
        assertThat(new HistoryEvent.Dsn(T, ID, DSN, "relayed", "a@b", List.of()).kind()).isEqualTo("success");
    }
}
