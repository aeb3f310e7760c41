package dev.facteur.history;

import static dev.facteur.history.Events.bounced;
import static dev.facteur.history.Events.delivered;
import static dev.facteur.history.Events.failureDsn;
import static dev.facteur.history.Events.id;
import static dev.facteur.history.Events.received;
import static dev.facteur.history.Events.removed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.facteur.message.QueueId;
import dev.facteur.testing.ManualClock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lookups: by queue id, Message-ID and address, each message whole from its arrival on, newest
 * first, at most {@code limit}, events since a time; lines that are not whole are skipped.
 */
class HistoryReaderTest {

    @TempDir
    Path dir;

    private static final Instant T = Instant.parse("2026-12-01T09:00:00Z");
    /** alice writes to bob (delivered) and carol (refused); the failure DSN goes back to alice. */
    private static final QueueId FIRST = id("2026-12-01T09:00:00Z", 1);
    private static final QueueId FIRST_DSN = id("2026-12-01T09:00:02Z", 1);
    /** dave writes to bob, the next day. */
    private static final QueueId SECOND = id("2026-12-02T08:00:00Z", 1);

    private void write(HistoryEvent... events) throws Exception {
        try (var history = DeliveryHistory.open(new HistorySettings(true, dir, Duration.ofDays(30)),
                ManualClock.at(Instant.parse("2026-12-03T00:00:00Z")))) {
            for (HistoryEvent e : events) history.record(e);
        }
    }

    private void story() throws Exception {
        write(received(FIRST, T, "<first@example.com>", "alice@example.com", "bob@example.org", "carol@example.net"),
                delivered(FIRST, T.plusSeconds(1), "bob@example.org"),
                bounced(FIRST, T.plusSeconds(1), "carol@example.net"),
                failureDsn(FIRST, FIRST_DSN, T.plusSeconds(2), "alice@example.com", "carol@example.net"),
                removed(FIRST, T.plusSeconds(2)),
                new HistoryEvent.Attempt(T.plusSeconds(3), FIRST_DSN, "alice@example.com", 1, HistoryEvent.Result.DELIVERED,
                        "mx.example.com[192.0.2.1]:25", "none (policy may)", "250 2.0.0 Ok"),
                removed(FIRST_DSN, T.plusSeconds(3)),
                received(SECOND, Instant.parse("2026-12-02T08:00:00Z"), "<second@example.com>", "dave@example.com", "Bob@Example.org"),
                delivered(SECOND, Instant.parse("2026-12-02T08:00:01Z"), "Bob@Example.org"),
                removed(SECOND, Instant.parse("2026-12-02T08:00:01Z")));
    }

    /** The story, with a line damaged in the middle of its first day and a last line still being written (no line feed yet). */
    private void damagedStory() throws Exception {
        story();
        Path day = dir.resolve("2026-12-01.log");
        List<String> lines = Files.readAllLines(day);
        lines.set(1, lines.get(1).substring(0, 50));
        Files.writeString(day, String.join("\n", lines) + "\n" + lines.get(2).substring(0, 70));
    }

    private List<MessageTrace> find(String key) throws IOException {
        return new HistoryReader(dir).find(Lookup.parse(key), null, 20);
    }

    private static List<String> types(MessageTrace t) {
        return t.events().stream().map(HistoryLine::type).toList();
    }

    @Test
    void byQueueIdTheWholeLifeOfOneMessage() throws Exception {
        story();
        assertThat(find(FIRST.toString())).singleElement().satisfies(t -> {
            assertThat(t.id()).isEqualTo(FIRST);
            assertThat(types(t)).containsExactly("received", "attempt", "attempt", "dsn", "removed");
            assertThat(t.messageId()).isEqualTo("<first@example.com>");
        });
        assertThat(find(FIRST.toString().toLowerCase())).extracting(MessageTrace::id).containsExactly(FIRST);
    }

    @Test
    void byTheQueueIdOfADsnTheDsnFromItsMakingOn() throws Exception {
        story();
        assertThat(find(FIRST_DSN.toString())).singleElement().satisfies(t -> {
            assertThat(t.id()).isEqualTo(FIRST_DSN);
            assertThat(types(t)).containsExactly("dsn", "attempt", "removed");
        });
    }

    @Test
    void byMessageIdWithOrWithoutItsBrackets() throws Exception {
        story();
        assertThat(find("<second@example.com>")).extracting(MessageTrace::id).containsExactly(SECOND);
        assertThat(find("second@example.com")).extracting(MessageTrace::id).containsExactly(SECOND);
        assertThat(find("<SECOND@example.com>")).extracting(MessageTrace::id).containsExactly(SECOND);
        assertThat(find("<third@example.com>")).isEmpty();
    }

    @Test
    void byAddressEveryMessageFromOrToItNewestFirstInAnyCase() throws Exception {
        story();
        assertThat(find("bob@example.org")).extracting(MessageTrace::id).containsExactly(SECOND, FIRST);
        assertThat(find("BOB@EXAMPLE.ORG").getFirst().events()).hasSize(3);
        assertThat(find("carol@example.net")).extracting(MessageTrace::id).containsExactly(FIRST);
        assertThat(find("dave@example.com")).extracting(MessageTrace::id).containsExactly(SECOND);
    }

    @Test
    void bySenderAlsoTheDsnsThatWentBackToIt() throws Exception {
        story();
        List<MessageTrace> found = find("alice@example.com");
        assertThat(found).extracting(MessageTrace::id).containsExactly(FIRST_DSN, FIRST);
        assertThat(types(found.getFirst())).containsExactly("dsn", "attempt", "removed");
        assertThat(types(found.get(1))).containsExactly("received", "attempt", "attempt", "dsn", "removed");
    }

    @Test
    void byDomainEveryAddressOfIt() throws Exception {
        story();
        assertThat(find("@example.org")).extracting(MessageTrace::id).containsExactly(SECOND, FIRST);
        assertThat(find("@example.net")).extracting(MessageTrace::id).containsExactly(FIRST);
        assertThat(find("@ample.net")).isEmpty();
    }

    @Test
    void aMessageSpanningDaysIsFoundWhole() throws Exception {
        QueueId late = id("2026-12-01T23:00:00Z", 1);
        write(received(late, Instant.parse("2026-12-01T23:00:00Z"), "<late@x>", "alice@example.com", "bob@example.org"),
                new HistoryEvent.Attempt(Instant.parse("2026-12-01T23:00:01Z"), late, "bob@example.org", 1, HistoryEvent.Result.DEFERRED,
                        "", "", "451 4.4.1 Connection refused"),
                delivered(late, Instant.parse("2026-12-02T01:00:00Z"), "bob@example.org"),
                removed(late, Instant.parse("2026-12-02T01:00:00Z")));
        assertThat(find("<late@x>")).singleElement().satisfies(t -> assertThat(types(t)).containsExactly("received", "attempt", "attempt", "removed"));
        assertThat(find(late.toString()).getFirst().events()).hasSize(4);
    }

    @Test
    void atMostLimitMessagesTheNewest() throws Exception {
        HistoryEvent[] events = new HistoryEvent[30];
        for (int i = 0; i < 15; i++) {
            QueueId q = id("2026-12-01T10:00:00Z", i);
            events[2 * i] = received(q, T.plusSeconds(i), "<m" + i + "@x>", "newsletter@example.com", "r" + i + "@example.org");
            events[2 * i + 1] = delivered(q, T.plusSeconds(100 + i), "r" + i + "@example.org");
        }
        write(events);
        List<MessageTrace> found = new HistoryReader(dir).find(Lookup.parse("newsletter@example.com"), null, 4);
        assertThat(found).extracting(MessageTrace::id).containsExactly(id("2026-12-01T10:00:00Z", 14), id("2026-12-01T10:00:00Z", 13),
                id("2026-12-01T10:00:00Z", 12), id("2026-12-01T10:00:00Z", 11));
        assertThat(found).allSatisfy(t -> assertThat(types(t)).containsExactly("received", "attempt"));
    }

    @Test
    void sinceLeavesOutEarlierEventsAndEarlierDays() throws Exception {
        story();
        var reader = new HistoryReader(dir);
        assertThat(reader.find(Lookup.parse("bob@example.org"), Instant.parse("2026-12-02T00:00:00Z"), 20))
                .extracting(MessageTrace::id).containsExactly(SECOND);
        assertThat(reader.find(Lookup.parse(FIRST.toString()), T.plusSeconds(2), 20)).singleElement()
                .satisfies(t -> assertThat(types(t)).containsExactly("dsn", "removed"));
    }

    @Test
    void replayGivesEveryEventOfTheSpanInOrderAcrossDays() throws Exception {
        story();
        List<HistoryEvent> seen = new ArrayList<>();
        new HistoryReader(dir).replay(T.plusSeconds(1), Instant.parse("2026-12-02T08:00:01Z"), seen::add);
        assertThat(seen).extracting(HistoryLine::type)
                .as("from the first outcome, up to but not including the last second")
                .containsExactly("attempt", "attempt", "dsn", "removed", "attempt", "removed", "received");
    }

    @Test
    void replayPassesOverDamagedLines() throws Exception {
        damagedStory();
        List<HistoryEvent> seen = new ArrayList<>();
        new HistoryReader(dir).replay(T, T.plus(Duration.ofDays(2)), seen::add);
        assertThat(seen).as("ten events but the damaged one; the half line written last is none").hasSize(9);
    }

    @Test
    void linesThatAreNotWholeAreSkipped() throws Exception {
        damagedStory();
        assertThat(find(FIRST.toString())).singleElement().satisfies(t -> assertThat(types(t)).containsExactly("received", "attempt", "dsn", "removed"));
    }

    @Test
    void aLineLongerThanTheReadBufferIsReadWhole() throws Exception {
        QueueId q = id("2026-12-01T10:00:00Z", 1);
        String[] many = new String[250_000]; // about 6 MB of recipients, more than a read at once
        for (int i = 0; i < many.length; i++) many[i] = "r" + i + "@example.org";
        write(received(q, T, "<big@x>", "alice@example.com", many), removed(q, T));
        assertThat(find("r249999@example.org")).singleElement().satisfies(t -> assertThat(types(t)).containsExactly("received", "removed"));
    }

    @Test
    void noHistoryYetFindsNothing() throws Exception {
        assertThat(new HistoryReader(dir.resolve("none")).find(Lookup.parse("bob@example.org"), null, 20)).isEmpty();
        Files.writeString(dir.resolve("2026-12-01.log"), "garbage\n", StandardOpenOption.CREATE);
        assertThat(find("bob@example.org")).isEmpty();
    }

    @Test
    void whatALookupIs() {
        assertThat(Lookup.parse("0MJX4Z9K2B00A")).isInstanceOf(Lookup.ByQueueId.class);
        assertThat(Lookup.parse("<3f9a@example.com>")).isEqualTo(new Lookup.ByMessageId("3f9a@example.com"));
        assertThat(Lookup.parse("@Example.org")).isEqualTo(new Lookup.ByAddress("@example.org"));
        assertThat(Lookup.parse("bob@example.org")).isEqualTo(new Lookup.Either(List.of(new Lookup.ByAddress("bob@example.org"),
                new Lookup.ByMessageId("bob@example.org"))));
        assertThatThrownBy(() -> Lookup.parse("bob")).hasMessageContaining("not a queue id, a Message-ID or an address");
        assertThatThrownBy(() -> Lookup.parse("<>")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anAddressBeyondAsciiIsFoundInAnyCaseToo() throws Exception { // RFC 6531 addresses
        QueueId q = id("2026-12-01T10:00:00Z", 1);
        write(received(q, T, "<u@x>", "alice@example.com", "BÉRÉNICE@Exemple.fr"), removed(q, T));
        assertThat(find("bérénice@exemple.fr")).extracting(MessageTrace::id).containsExactly(q);
        assertThat(find("Bérénice@EXEMPLE.FR")).extracting(MessageTrace::id).containsExactly(q);
    }

    @Test
    void whatALineMustHoldIsTheLongestAsciiRunOfTheKeyAsJsonWritesIt() {
        assertThat(Lookup.needle("Bob@Example.ORG")).isEqualTo("bob@example.org");
        assertThat(Lookup.needle("Bérénice@Exemple.FR")).isEqualTo("nice@exemple.fr");
        assertThat(Lookup.needle("\"odd\"@example.org")).isEqualTo("\\\"odd\\\"@example.org");
    }
}
