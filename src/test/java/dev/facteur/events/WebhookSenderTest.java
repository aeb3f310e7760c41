package dev.facteur.events;

import static dev.facteur.events.EventLogTest.events;
import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.testing.LogCapture;
import dev.facteur.testing.Loopback;
import dev.facteur.testing.Patience;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The webhook, against a receiver on loopback: nothing lost while it is down, failing or hung,
 * nothing sent twice that it acknowledged, across restarts. Retries wait 1 to 20 ms here.
 */
class WebhookSenderTest {

    private static final String SECRET = "facteur-test-secret-0123";

    @TempDir
    Path dir;

    private final List<AutoCloseable> opened = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        Collections.reverse(opened);
        for (AutoCloseable c : opened) c.close();
    }

    private <T extends AutoCloseable> T closedAfter(T c) {
        opened.add(c);
        return c;
    }

    private EventLogSettings logSettings() {
        return EventLogSettings.in(dir).withGroupCommit(Duration.ofMillis(2), 1000);
    }

    private static WebhookSettings webhook(URI url) {
        return WebhookSettings.to(url, SECRET).withBatchSize(10).withRetries(Duration.ofMillis(1), Duration.ofMillis(20));
    }

    private Events open(WebhookSettings w) throws IOException {
        return closedAfter(Events.open(logSettings(), Optional.of(w)));
    }

    private Receiver receiver(Receiver.Answers answers) throws IOException {
        return closedAfter(Receiver.answering(answers));
    }

    private static List<String> ids(List<Event> events) {
        return events.stream().map(Event::id).toList();
    }

    private static List<String> ids(List<Event> first, List<Event> second) {
        return Stream.concat(first.stream(), second.stream()).map(Event::id).toList();
    }

    private static List<String> ids(List<Event> first, List<Event> second, List<Event> third) {
        return Stream.concat(ids(first, second).stream(), ids(third).stream()).toList();
    }

    /**
     * {@code events} in the log while no webhook runs, its cursor at the log's start: the next
     * webhook finds them all synced, and sends them in batches as full as its settings allow.
     */
    private void loggedBeforehand(URI url, List<Event> events) throws IOException {
        Events.open(logSettings(), Optional.of(webhook(url))).close(); // the cursor, saved at the (empty) log's end
        try (Events noWebhook = Events.open(logSettings(), Optional.empty())) {
            events.forEach(noWebhook::emit);
        }
    }

    private static List<Integer> sizes(Receiver r) {
        return r.requests().stream().map(q -> q.ids().size()).toList();
    }

    @Test
    void eventsEmittedWhileTheReceiverIsDownAllArriveInOrderOnceItIsUp() throws IOException {
        String host = Loopback.host(); // nothing listens there until the receiver starts
        URI url = URI.create("http://" + host + ":8080/events");
        List<Event> emitted = events(0, 50);
        try (var log = LogCapture.attach("facteur.events")) {
            Events events = open(webhook(url));
            emitted.forEach(events::emit);
            log.await("the webhook fails", m -> m.contains("failing"), 1);

            Receiver r = closedAfter(Receiver.on(new InetSocketAddress(host, 8080), (n, size) -> 200));
            Patience.await("every event arrives").until(() -> r.acceptedIds().size() == emitted.size());

            assertThat(r.receivedIds()).isEqualTo(ids(emitted)); // in order, none twice
            log.await("the webhook receives again", m -> m.contains("receiving again"), 1);
            assertThat(log.warnings()).singleElement().asString().contains("webhook " + url + " failing: cannot connect",
                    "the events are kept", "backlog");
            assertThat(log.infos()).filteredOn(m -> m.contains("receiving again")).singleElement().asString().contains("backlog");
        }
    }

    @Test
    void aReceiverAnswering500LosesNothingAndOnlyTheFailedBatchesComeTwice() throws IOException {
        Receiver r = receiver((n, size) -> n == 1 || n == 2 || n == 4 ? 500 : 200);
        List<Event> emitted = events(0, 10);
        loggedBeforehand(r.url(), emitted);

        open(webhook(r.url()).withBatchSize(4));
        Patience.await("every event arrives").until(() -> r.acceptedIds().size() == emitted.size());

        assertThat(r.requests()).extracting(Receiver.Request::status).containsExactly(500, 500, 200, 500, 200, 200);
        assertThat(r.requests()).extracting(Receiver.Request::ids).containsExactly(ids(emitted.subList(0, 4)),
                ids(emitted.subList(0, 4)), ids(emitted.subList(0, 4)), ids(emitted.subList(4, 8)), ids(emitted.subList(4, 8)),
                ids(emitted.subList(8, 10)));
        assertThat(r.acceptedIds()).isEqualTo(ids(emitted));
    }

    @Test
    void failingAndRecoveringAreLoggedOnceEachNotAtEachRetry() throws IOException {
        Receiver r = receiver((n, size) -> n <= 5 ? 503 : 200);
        loggedBeforehand(r.url(), events(0, 3));
        try (var log = LogCapture.attach("facteur.events")) {
            open(webhook(r.url()));
            log.await("the webhook receives again", m -> m.contains("receiving again"), 1);

            assertThat(log.warnings()).singleElement().asString().contains("failing: HTTP 503", "backlog 3 events");
            assertThat(log.infos()).filteredOn(m -> m.contains("receiving again")).singleElement().asString()
                    .contains("after 5 failed attempts", "backlog 0 events, 0 bytes");
        }
    }

    @Test
    void aRestartResumesAtTheCursorAndSendsNothingAcknowledgedAgain() throws Exception {
        Receiver r = receiver((n, size) -> 200);
        List<Event> before = events(0, 10), after = events(10, 15);
        Events first = open(webhook(r.url()));
        before.forEach(first::emit);
        Patience.await("the first run's events arrive").until(() -> r.acceptedIds().size() == before.size());
        Patience.await("and are acknowledged").until(() -> first.webhook().orElseThrow().acknowledged().equals(first.eventLog().end()));
        first.close();

        Events second = open(webhook(r.url()));
        after.forEach(second::emit);
        Patience.await("the second run's events arrive").until(() -> r.acceptedIds().size() == before.size() + after.size());

        assertThat(r.receivedIds()).isEqualTo(ids(before, after));
    }

    @Test
    void eventsKeptWhileTheReceiverIsDownSurviveARestart() throws Exception {
        Receiver r = receiver((n, size) -> 503);
        List<Event> emitted = events(0, 10);
        Events first = open(webhook(r.url()));
        emitted.forEach(first::emit);
        Patience.await("the webhook tries").until(() -> r.requests().size() >= 2);
        first.close();

        r.answer((n, size) -> 200);
        open(webhook(r.url()));
        Patience.await("every event arrives").until(() -> r.acceptedIds().size() == emitted.size());
        assertThat(r.acceptedIds()).isEqualTo(ids(emitted));
    }

    @Test
    void aBatchAcknowledgedButWhoseCursorWasNotSavedIsSentAgainAfterARestartAndNothingElse() throws Exception {
        // what a crash between the 2xx and the cursor's save amounts to
        Receiver r = receiver((n, size) -> 200);
        var disk = new FaultyDisk();
        var env = new Environment(disk, Clock.systemUTC(), System::nanoTime, new Random(1), Duration.ofMillis(10));
        List<Event> saved = events(0, 5), unsaved = events(5, 8);
        try (var log = LogCapture.attach("facteur.events")) {
            Events first = closedAfter(Events.open(logSettings(), Optional.of(webhook(r.url())), env));
            saved.forEach(first::emit);
            Path cursor = dir.resolve("webhook.cursor");
            String afterSaved = "1 " + EventLogTest.bytes(saved) + "\n";
            Patience.await("the cursor is past the first events").until(() -> Files.readString(cursor).equals(afterSaved));

            disk.fail(op -> op.startsWith("move webhook.cursor"));
            unsaved.forEach(first::emit);
            log.await("the cursor is not saved", m -> m.contains("cannot save the webhook's cursor"), 1);
            Patience.await("the next events arrive").until(() -> r.acceptedIds().size() == 8);
            first.close();
            assertThat(Files.readString(cursor)).isEqualTo(afterSaved);
        }

        open(webhook(r.url()));
        Patience.await("the unsaved batch comes again").until(() -> r.acceptedIds().size() == 11);
        assertThat(r.receivedIds()).isEqualTo(ids(saved, unsaved, unsaved));
    }

    @Test
    void aHungReceiverDoesNotHoldUpEmitOrTheLog() throws Exception {
        Receiver r = receiver((n, size) -> Receiver.HANG);
        Events events = open(webhook(r.url()).withTimeout(Duration.ofMinutes(5)));
        events.emit(events(0, 1).getFirst());
        Patience.await("the receiver holds the first request").until(() -> r.requests().size() == 1);

        List<Event> more = events(1, 101);
        more.forEach(events::emit); // returns: emit never touches the network
        long bytes = EventLogTest.bytes(events(0, 101));
        Patience.await("the log takes them all meanwhile").until(() -> events.eventLog().end().offset() == bytes);
        assertThat(r.requests()).hasSize(1);

        events.close(); // gives the post under way a moment, then ends it rather than wait for its timeout
        assertThat(EventLogTest.read(dir.resolve("events.log"))).hasSize(101);
        assertThat(Files.readString(dir.resolve("webhook.cursor"))).as("unanswered: sent again next time").isEqualTo("1 0\n");
    }

    @Test
    void aHungReceiverTimesOutAndTheBatchIsSentAgain() throws IOException {
        Receiver r = receiver((n, size) -> n == 1 ? Receiver.HANG : 200);
        List<Event> emitted = events(0, 5);
        loggedBeforehand(r.url(), emitted);
        try (var log = LogCapture.attach("facteur.events")) {
            open(webhook(r.url()).withTimeout(Duration.ofMillis(200)));
            Patience.await("the batch arrives").until(() -> r.acceptedIds().size() == emitted.size());

            assertThat(r.requests()).extracting(Receiver.Request::text).containsExactly(r.requests().get(1).text(),
                    r.requests().get(1).text());
            assertThat(log.warnings()).singleElement().asString().contains("failing: no answer within PT0.2S");
        }
    }

    @Test
    void aRefusalIsLoggedOnceAndTheBatchTriedAgainUntilTaken() throws IOException {
        // a secret changed on one side only: the events wait for the fix rather than vanish
        Receiver r = receiver((n, size) -> n <= 3 ? 401 : 200);
        List<Event> emitted = events(0, 5);
        loggedBeforehand(r.url(), emitted);
        try (var log = LogCapture.attach("facteur.events")) {
            open(webhook(r.url()));
            Patience.await("the batch arrives").until(() -> r.acceptedIds().size() == emitted.size());

            assertThat(log.warnings()).singleElement().asString().contains("refused with HTTP 401 (status 401)",
                    "trying again all the same, since dropping the events would lose them for good");
            assertThat(r.requests()).hasSize(4).allMatch(q -> q.ids().equals(ids(emitted)));
        }
    }

    @Test
    void aBatchTooLargeIsHalvedUntilTheReceiverTakesIt() throws IOException {
        Receiver r = receiver((n, size) -> size > 2 ? 413 : 200);
        List<Event> emitted = events(0, 10);
        loggedBeforehand(r.url(), emitted);

        open(webhook(r.url()));
        Patience.await("every event arrives").until(() -> r.acceptedIds().size() == emitted.size());

        assertThat(sizes(r)).containsExactly(10, 5, 2, 2, 2, 2, 2);
        assertThat(r.acceptedIds()).isEqualTo(ids(emitted));
    }

    @Test
    void aWebhookAddedLaterStartsAtTheEndOfTheLog() throws IOException {
        Receiver r = receiver((n, size) -> 200);
        try (Events noWebhook = Events.open(logSettings(), Optional.empty())) {
            events(0, 3).forEach(noWebhook::emit);
        }
        Events events = open(webhook(r.url()));
        List<Event> later = events(3, 5);
        later.forEach(events::emit);

        Patience.await("the later events arrive").until(() -> r.acceptedIds().size() == later.size());
        assertThat(r.receivedIds()).isEqualTo(ids(later));
    }

    @Test
    void everyRequestIsJsonSignedOverItsBody() throws Exception {
        Receiver r = receiver((n, size) -> 200);
        Events events = open(webhook(r.url()));
        List<Event> emitted = events(0, 3);
        emitted.forEach(events::emit);
        Patience.await("the events arrive").until(() -> r.acceptedIds().size() == emitted.size());

        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        for (Receiver.Request q : r.requests()) {
            assertThat(q.contentType()).isEqualTo("application/json");
            assertThat(q.signature()).matches("t=\\d+,v1=[0-9a-f]{64}");
            String t = q.signature().substring(2, q.signature().indexOf(','));
            mac.update((t + ".").getBytes(StandardCharsets.UTF_8));
            assertThat(q.signature()).endsWith("v1=" + HexFormat.of().formatHex(mac.doFinal(q.body())));
        }
        List<Event> received = new ArrayList<>();
        for (Receiver.Request q : r.requests())
            for (JsonNode node : new JsonMapper().readTree(q.body()))
                received.add(EventJson.read(node.toString().getBytes(StandardCharsets.UTF_8)));
        assertThat(received).isEqualTo(emitted); // the events themselves, field for field
    }

    @Test
    void theCursorFollowsTheEventsAcrossRotationsAndSentFilesGo() throws IOException {
        Receiver r = receiver((n, size) -> 503);
        List<Event> emitted = events(0, 100);
        Events events = closedAfter(Events.open(EventLogSettings.in(dir).withGroupCommit(Duration.ofMillis(2), 1000)
                .withRotation(4096, 1, 100 * 4096), Optional.of(webhook(r.url()))));
        emitted.forEach(events::emit);
        Patience.await("the log is written").until(() -> events.eventLog().end().file() > 5);
        assertThat(new LogFiles(dir).oldNumbers()).as("kept for the webhook").hasSizeGreaterThan(4).startsWith(1L);

        r.answer((n, size) -> 200);
        Patience.await("every event arrives").until(() -> r.acceptedIds().size() == emitted.size());
        assertThat(r.acceptedIds()).isEqualTo(ids(emitted));
        long current = events.eventLog().end().file();
        Patience.await("the cursor names the current file").until(() -> Files.readString(dir.resolve("webhook.cursor"))
                .startsWith(current + " "));

        // the next rotation removes what was sent: events one by one, each sent before the next, until it comes
        for (int n = 100; events.eventLog().end().file() == current; n++) {
            events.emit(EventLogTest.event(n));
            int sent = n + 1;
            Patience.await("event " + n + " arrives").until(() -> r.acceptedIds().size() == sent);
        }
        Patience.await("sent files go").until(() -> new LogFiles(dir).oldNumbers().size() == 1);
    }

    @Test
    void aDamagedCursorSendsFromTheOldestEventKept() throws IOException {
        Receiver r = receiver((n, size) -> 200);
        List<Event> emitted = events(0, 4);
        loggedBeforehand(r.url(), emitted);
        Files.write(dir.resolve("webhook.cursor"), new byte[] {0, (byte) 0xff, (byte) 0xfe, 0}); // what a damaged disk may leave

        open(webhook(r.url()));
        Patience.await("every event arrives").until(() -> r.acceptedIds().size() == emitted.size());
        assertThat(r.acceptedIds()).isEqualTo(ids(emitted)); // sending twice is better than losing
    }
}
