package dev.facteur.history;

import static dev.facteur.history.Events.bounced;
import static dev.facteur.history.Events.delivered;
import static dev.facteur.history.Events.failureDsn;
import static dev.facteur.history.Events.id;
import static dev.facteur.history.Events.received;
import static dev.facteur.history.Events.removed;
import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.message.Body;
import dev.facteur.message.ClientInfo;
import dev.facteur.message.Envelope;
import dev.facteur.message.Mailbox;
import dev.facteur.message.Notify;
import dev.facteur.message.QueueId;
import dev.facteur.message.Recipient;
import dev.facteur.message.ReversePath;
import dev.facteur.message.Schedule;
import dev.facteur.spool.StoredMessage;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** What {@code facteur trace} prints: one line per event in the reader's time, aligned; and the same as JSON. */
class TraceTextTest {

    private static final ZoneId PARIS = ZoneId.of("Europe/Paris");
    private static final Instant T = Instant.parse("2026-12-01T09:14:03.120Z");
    private static final QueueId ID = id("2026-12-01T09:14:03Z", 7);
    private static final QueueId DSN = id("2026-12-01T09:14:04Z", 1);

    private static MessageTrace story() {
        return new MessageTrace(ID, List.of(
                removed(ID, T.plusMillis(900)),
                received(ID, T, "<3f9a@example.com>", "alice@example.com", "bob@example.org", "carol@example.net"),
                delivered(ID, T.plusMillis(337), "bob@example.org"),
                bounced(ID, T.plusMillis(512), "carol@example.net"),
                failureDsn(ID, DSN, T.plusMillis(899), "alice@example.com", "carol@example.net")), Optional.empty());
    }

    @Test
    void oneLinePerEventOldestFirstInLocalTimeWithItsOffset() {
        assertThat(TraceText.format(List.of(story()), PARIS, T.plusSeconds(60))).isEqualTo(ID + "  Message-ID <3f9a@example.com>\n"
                + "  2026-12-01 10:14:03.120 +01:00  received   from <alice@example.com> to bob@example.org, carol@example.net; 1234 bytes; "
                + "client mail.example.com [192.0.2.7] ESMTPSA, TLS TLSv1.3 TLS_AES_256_GCM_SHA384, login alice\n"
                + "  2026-12-01 10:14:03.457 +01:00  delivered  bob@example.org (attempt 1) via mx.example.org[198.51.100.25]:25, "
                + "TLS TLSv1.3 TLS_AES_256_GCM_SHA384 (policy may, certificate not verified): 250 2.0.0 Ok: queued as 4XyZ\n"
                + "  2026-12-01 10:14:03.632 +01:00  bounced    carol@example.net (attempt 1) via mx.example.net[203.0.113.9]:25, "
                + "TLS none (policy may): 550 5.1.1 <carol@example.net>: Recipient address rejected: User unknown\n"
                + "  2026-12-01 10:14:04.019 +01:00  dsn        failure notice " + DSN + " to alice@example.com (failed: carol@example.net)\n"
                + "  2026-12-01 10:14:04.020 +01:00  removed    left the queue: every recipient done\n");
    }

    @Test
    void summerTimeShowsItsOwnOffset() {
        var t = new MessageTrace(ID, List.of(removed(ID, Instant.parse("2026-07-01T09:00:00Z"))), Optional.empty());
        assertThat(TraceText.format(List.of(t), PARIS, T)).contains("  2026-07-01 11:00:00.000 +02:00  removed  ");
    }

    @Test
    void theDsnMessageToldFromItsOwnSide() {
        var t = new MessageTrace(DSN, List.of(failureDsn(ID, DSN, T, "alice@example.com", "carol@example.net")), Optional.empty());
        assertThat(TraceText.format(List.of(t), PARIS, T)).isEqualTo(DSN + "  (Message-ID not known)\n"
                + "  2026-12-01 10:14:03.120 +01:00  dsn        failure notice (failed) about " + ID + " for carol@example.net, to alice@example.com\n");
    }

    @Test
    void aQueuedMessageEndsWithItsStateNow() {
        Instant next = Instant.parse("2026-12-01T09:20:00Z");
        var env = new Envelope(ID, T, ReversePath.of(new Mailbox("alice", "example.com")), List.of(
                new Recipient(new Mailbox("bob", "example.org"), Notify.DEFAULT, null, Recipient.State.DELIVERED, "250 2.0.0 Ok", "mx"),
                new Recipient(new Mailbox("dave", "example.org"), Notify.DEFAULT, null, Recipient.State.PENDING,
                        "451 4.4.1 Connection refused", null)), -1, Body.SEVEN_BIT, false, null, null,
                new ClientInfo("192.0.2.7", "c", "ESMTP", ""), new Schedule(2, next, false, false));
        var t = new MessageTrace(ID, List.of(), Optional.of(new StoredMessage(env, 1234)));
        assertThat(TraceText.format(List.of(t), PARIS, Instant.parse("2026-12-01T09:15:00Z"))).isEqualTo(ID + "  (Message-ID not known)\n"
                + "  2026-12-01 10:15:00.000 +01:00  queued     in the queue: bob@example.org delivered, dave@example.org deferred "
                + "(451 4.4.1 Connection refused); 2 attempts; next attempt 2026-12-01 10:20:00.000 +01:00\n");
        var held = new MessageTrace(ID, List.of(), Optional.of(new StoredMessage(env.withSchedule(new Schedule(2, null, true, false)), 1234)));
        assertThat(TraceText.format(List.of(held), PARIS, T)).contains("; 2 attempts; HELD until released (facteur queue release " + ID + ")");
    }

    @Test
    void messagesAreSeparatedByABlankLine() {
        var other = new MessageTrace(DSN, List.of(removed(DSN, T)), Optional.empty());
        assertThat(TraceText.format(List.of(other, story()), PARIS, T)).contains("left the queue: every recipient done\n\n" + ID + "  Message-ID");
    }

    @Test
    void asJsonEveryEventAsTheHistoryStoresIt() throws Exception {
        JsonNode all = new JsonMapper().readTree(TraceJson.format(List.of(story())));
        assertThat(all.size()).isEqualTo(1);
        JsonNode m = all.get(0);
        assertThat(m.path("queue_id").asString()).isEqualTo(ID.toString());
        assertThat(m.path("message_id").asString()).isEqualTo("<3f9a@example.com>");
        assertThat(m.path("queued").isNull()).isTrue();
        assertThat(m.path("events").size()).isEqualTo(5);
        JsonNode bounce = m.path("events").get(2);
        assertThat(bounce.path("e").asString()).isEqualTo("attempt");
        assertThat(bounce.path("result").asString()).isEqualTo("bounced");
        assertThat(bounce.path("rcpt").asString()).isEqualTo("carol@example.net");
        assertThat(bounce.path("reply").asString()).startsWith("550 5.1.1");
        assertThat(m.path("events").get(3).path("dsn").asString()).isEqualTo(DSN.toString());
    }
}
