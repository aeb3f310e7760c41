package dev.facteur.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The JSON form of an event (docs/events.md): what a developer parses, field by field. */
class EventJsonTest {

    private static final Instant AT = Instant.parse("2026-11-28T10:15:30.123456Z");
    private static final JsonMapper JSON = new JsonMapper();

    private static Event bounced() {
        return new Event("0193b1b0-4a2e-7c3d-8e4f-5a6b7c8d9e0f", EventType.BOUNCED, AT, Optional.of("01JDX4Q3Z8K2M"),
                "app@example.com", Optional.of("example.com"), "bob@example.org", OptionalInt.of(3),
                Optional.of("550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown"),
                Optional.of("5.1.1"), Optional.of("mx1.example.org[192.0.2.25]:25"),
                Optional.of("bad-mailbox"), Map.of("campaign", "november", "account", "42"));
    }

    private static String text(Event e) {
        return new String(EventJson.write(e), StandardCharsets.UTF_8);
    }

    @Test
    void everyFieldHasItsSnakeCaseNameInOneOrder() {
        assertThat(text(bounced())).isEqualTo("{\"id\":\"0193b1b0-4a2e-7c3d-8e4f-5a6b7c8d9e0f\",\"type\":\"bounced\","
                + "\"time\":\"2026-11-28T10:15:30.123Z\",\"queue_id\":\"01JDX4Q3Z8K2M\",\"sender\":\"app@example.com\","
                + "\"sender_domain\":\"example.com\",\"recipient\":\"bob@example.org\",\"attempt\":3,"
                + "\"diagnostic\":\"550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown\","
                + "\"enhanced_status\":\"5.1.1\",\"remote_mta\":\"mx1.example.org[192.0.2.25]:25\",\"bounce_class\":\"bad-mailbox\","
                + "\"details\":{\"account\":\"42\",\"campaign\":\"november\"}}");
    }

    @Test
    void absentFieldsAreNullAndDetailsAnEmptyObject() { // the same shape every time: a schema can require every field
        Event suppressed = Event.of(EventType.SUPPRESSED, AT, "", "bob@example.org");
        JsonNode o = JSON.readTree(EventJson.write(suppressed));

        assertThat(o.propertyNames()).containsExactly("id", "type", "time", "queue_id", "sender", "sender_domain", "recipient",
                "attempt", "diagnostic", "enhanced_status", "remote_mta", "bounce_class", "details");
        for (String absent : List.of("queue_id", "sender_domain", "attempt", "diagnostic", "enhanced_status", "remote_mta", "bounce_class"))
            assertThat(o.get(absent).isNull()).as(absent).isTrue();
        assertThat(o.get("sender").stringValue()).isEmpty(); // the null sender <>
        assertThat(o.get("details").isObject()).isTrue();
        assertThat(o.get("details").size()).isZero();
    }

    @Test
    void timeIsRfc3339InUtcToTheMillisecond() {
        assertThat(JSON.readTree(EventJson.write(Event.of(EventType.DELIVERED, Instant.parse("2026-01-02T03:04:05Z"), "a@b.c", "d@e.f")))
                .get("time").stringValue()).isEqualTo("2026-01-02T03:04:05.000Z");
    }

    @Test
    void oneLineWhateverTheReplySays() { // a multi-line reply, quotes, backslashes, a NUL: escaped, never a raw line end
        Event e = Event.of(EventType.DEFERRED, AT, "app@example.com", "bob@example.org")
                .withDiagnostic("451-4.7.1 first line\r\n451 4.7.1 \"greylisted\"\tsee C:\\path\u0000 end", "4.7.1");
        byte[] line = EventJson.write(e);

        assertThat(new String(line, StandardCharsets.UTF_8)).doesNotContain("\n", "\r", "\t", "\u0000")
                .contains("first line\\r\\n451 4.7.1 \\\"greylisted\\\"\\tsee C:\\\\path\\u0000 end");
        assertThat(EventJson.read(line)).isEqualTo(e);
    }

    @Test
    void internationalAddressesAreUtf8NotEscapes() { // RFC 6531 SMTPUTF8
        Event e = Event.of(EventType.DELIVERED, AT, "rené@bücher.example", "用户@例子.广告").withDetail("note", "😀");
        byte[] line = EventJson.write(e);
        String text = new String(line, StandardCharsets.UTF_8);

        assertThat(text).contains("\"sender\":\"rené@bücher.example\"", "\"sender_domain\":\"bücher.example\"",
                "\"recipient\":\"用户@例子.广告\"", "\"note\":\"😀\"").doesNotContain("\\u");
        assertThat(EventJson.read(line)).isEqualTo(e);
    }

    @Test
    void anUnpairedSurrogateCostsACharacterNotTheEvent() {
        Event e = Event.of(EventType.BOUNCED, AT, "app@example.com", "bob@example.org").withDiagnostic("550 broken \uD800 text", "");

        assertThat(EventJson.read(EventJson.write(e)).diagnostic()).contains("550 broken \uFFFD text");
    }

    @Test
    void everyTypeReadsBackEqual() {
        for (EventType type : List.of(EventType.DELIVERED, EventType.DEFERRED, EventType.BOUNCED, EventType.EXPIRED,
                EventType.SUPPRESSED, EventType.COMPLAINED, new EventType("queued"))) {
            Event e = Event.of(type, AT, "app@example.com", "bob@example.org").withQueueId("01JDX4Q3Z8K2M").withAttempt(1);
            assertThat(EventJson.read(EventJson.write(e))).as(type.name()).isEqualTo(e);
        }
        assertThat(EventJson.read(EventJson.write(bounced()))).isEqualTo(bounced());
    }

    @Test
    void aNewerFacteursEventsStillRead() { // unknown fields ignored, unknown types kept
        String newer = "{\"id\":\"x1\",\"type\":\"opened\",\"time\":\"2027-03-01T08:00:00.000Z\",\"queue_id\":null,"
                + "\"sender\":\"a@b.example\",\"sender_domain\":\"b.example\",\"recipient\":\"c@d.example\",\"attempt\":null,"
                + "\"user_agent\":\"Mail/1.0\",\"details\":{\"n\":7}}";
        Event e = EventJson.read(newer.getBytes(StandardCharsets.UTF_8));

        assertThat(e.type()).isEqualTo(new EventType("opened"));
        assertThat(e.details()).containsEntry("n", "7");
    }

    @Test
    void linesThatAreNotEventsAreRefused() {
        for (String bad : List.of("", "\u0000\u0000\u0000", "{\"id\":\"x\",\"type\":\"delivered\"", "[1,2]",
                "{\"type\":\"delivered\",\"time\":\"2026-11-28T10:00:00Z\",\"sender\":\"\",\"recipient\":\"a@b\"}",
                "{\"id\":\"x\",\"type\":\"Delivered!\",\"time\":\"2026-11-28T10:00:00Z\",\"sender\":\"\",\"recipient\":\"a@b\"}",
                "{\"id\":\"x\",\"type\":\"delivered\",\"time\":\"yesterday\",\"sender\":\"\",\"recipient\":\"a@b\"}"))
            assertThatThrownBy(() -> EventJson.read(bad.getBytes(StandardCharsets.UTF_8))).as(bad).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void idsAreUuidVersion7InTheOrderOfTheirTime() { // RFC 9562 §5.7
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 10_000; i++) ids.add(Event.of(EventType.DELIVERED, AT, "a@b.c", "d@e.f").id());
        assertThat(ids).hasSize(10_000);

        UUID id = UUID.fromString(EventId.next(AT));
        assertThat(id.version()).isEqualTo(7);
        assertThat(id.variant()).isEqualTo(2);
        assertThat(id.getMostSignificantBits() >>> 16).isEqualTo(AT.toEpochMilli());
        assertThat(EventId.next(AT.plusMillis(1))).isGreaterThan(EventId.next(AT));
    }
}
