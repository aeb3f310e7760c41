package dev.facteur.unsubscribe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.bounce.SuppressionSettings;
import dev.facteur.bounce.SuppressionSettings.Scope;
import dev.facteur.bounce.Suppressions;
import dev.facteur.bounce.UnsubscribeLinks;
import dev.facteur.events.Event;
import dev.facteur.events.EventType;
import dev.facteur.message.AddressSyntax;
import dev.facteur.message.Mailbox;
import dev.facteur.net.HostPort;
import dev.facteur.store.MemorySuppressionStore;
import dev.facteur.store.StoreUnavailable;
import dev.facteur.store.SuppressionStore;
import dev.facteur.store.SuppressionStore.Reason;
import dev.facteur.testing.ManualClock;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The public end of one-click links, over real HTTP on loopback: a GET asks and changes nothing
 * (link scanners fetch), a POST to a genuine link unsubscribes its recipient from its sender
 * domain and says so in an event, and everything else is refused without touching the list.
 */
class UnsubscribeServerTest {

    private static final Mailbox ALICE = AddressSyntax.tryParseMailbox("alice@example.org", true).orElseThrow();
    private static final String SENDER = "news.example.com";
    private static final String ONE_CLICK = "List-Unsubscribe=One-Click";

    private final ManualClock clock = ManualClock.stopped();
    private final UnsubscribeLinks links = UnsubscribeLinks.of(clock, "s3cret");
    private final MemorySuppressionStore store = new MemorySuppressionStore();
    private final List<Event> events = new CopyOnWriteArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    private UnsubscribeServer server;

    @AfterEach
    void stop() {
        if (server != null) server.close();
        http.close();
    }

    private URI start(SuppressionStore list, SuppressionSettings settings) throws IOException {
        server = new UnsubscribeServer(List.of(new HostPort("127.0.0.1", 0)), "/u/", links, new Suppressions(list, settings, clock), events::add,
                clock);
        server.start();
        var at = server.addresses().getFirst();
        return URI.create("http://127.0.0.1:" + at.getPort() + "/u/");
    }

    private URI link(Mailbox recipient) throws IOException {
        return start(store, SuppressionSettings.DEFAULT).resolve(links.token(recipient, SENDER));
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return http.send(request.build(), BodyHandlers.ofString());
    }

    private HttpResponse<String> post(URI uri, String contentType, BodyPublisher body) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(uri).header("Content-Type", contentType).POST(body));
    }

    private HttpResponse<String> oneClick(URI uri) throws IOException, InterruptedException {
        return post(uri, "application/x-www-form-urlencoded", BodyPublishers.ofString(ONE_CLICK));
    }

    private boolean suppressed(Mailbox to, String from) {
        return new Suppressions(store, SuppressionSettings.DEFAULT, clock).check(to, from).isPresent();
    }

    @Test
    void aGetShowsAButtonThatPostsAndUnsubscribesNobody() throws Exception { // RFC 8058: scanners fetch the URLs in mail
        URI link = link(ALICE);
        var page = send(HttpRequest.newBuilder(link).GET());
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        assertThat(page.body()).contains("<form method=\"post\" action=\"" + link.getPath().substring(3) + "\">", "alice@example.org",
                SENDER, "<button");
        assertThat(suppressed(ALICE, SENDER)).isFalse();
        assertThat(events).isEmpty();
    }

    @Test
    void aOneClickPostUnsubscribesTheRecipientFromTheSenderDomainOnly() throws Exception { // RFC 8058 §3.2
        var answer = oneClick(link(ALICE));
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.headers().firstValue("Content-Type")).hasValue("text/plain; charset=utf-8");
        assertThat(answer.body()).contains("alice@example.org", SENDER);
        var entry = store.get(SENDER, ALICE, clock.instant()).orElseThrow();
        assertThat(entry.reason()).isEqualTo(Reason.UNSUBSCRIBE);
        assertThat(entry.expires()).as("until an operator removes it").isEmpty();
        assertThat(entry.diagnostic()).contains("one-click");
        assertThat(suppressed(ALICE, SENDER)).isTrue();
        assertThat(suppressed(ALICE, "shop.example.net")).as("another sender's mail still goes").isFalse();
    }

    @Test
    void anUnsubscribeIsAnEventForTheApplication() throws Exception {
        oneClick(link(ALICE));
        assertThat(events).singleElement().satisfies(e -> {
            assertThat(e.type()).isEqualTo(EventType.UNSUBSCRIBED);
            assertThat(e.recipient()).isEqualTo("alice@example.org");
            assertThat(e.senderDomain()).hasValue(SENDER);
            assertThat(e.sender()).as("the link names a domain, not an address").isEmpty();
            assertThat(e.time()).isEqualTo(clock.instant());
            assertThat(e.details()).isEqualTo(Map.of("via", "one-click", "link_issued", LocalDate.of(2026, 11, 28).toString()));
        });
    }

    @Test
    void aMultipartOneClickCountsAsOneClick() throws Exception { // RFC 8058 §3.2: SHOULD be multipart/form-data
        String body = "--XyZ\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\nOne-Click\r\n--XyZ--\r\n";
        var answer = post(link(ALICE), "multipart/form-data; boundary=XyZ", BodyPublishers.ofString(body));
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(events).singleElement().satisfies(e -> assertThat(e.details()).containsEntry("via", "one-click"));
    }

    @Test
    void theButtonOfThePageUnsubscribesToo() throws Exception {
        var answer = post(link(ALICE), "application/x-www-form-urlencoded", BodyPublishers.ofString("confirm=yes"));
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        assertThat(suppressed(ALICE, SENDER)).isTrue();
        assertThat(events).singleElement().satisfies(e -> assertThat(e.details()).containsEntry("via", "form"));
    }

    @Test
    void withAGlobalListTheAddressIsSuppressedForEveryone() throws Exception {
        var d = SuppressionSettings.DEFAULT;
        URI base = start(store, new SuppressionSettings(Scope.GLOBAL, d.hardBounceExpiry(), d.complaintExpiry(), d.softBounceLimit(),
                d.softBounceWindow(), d.softBounceExpiry()));
        assertThat(oneClick(base.resolve(links.token(ALICE, SENDER))).statusCode()).isEqualTo(200);
        assertThat(store.get(SuppressionStore.GLOBAL, ALICE, clock.instant())).isPresent();
        assertThat(suppressed(ALICE, "shop.example.net")).isTrue();
    }

    @Test
    void aForgedLinkAndAnyOtherPathAreOneAndTheSame404() throws Exception {
        URI link = link(ALICE);
        String token = link.getPath().substring(3);
        String forged = token.substring(0, 10) + (token.charAt(10) == 'A' ? 'B' : 'A') + token.substring(11);
        var refused = oneClick(link.resolve(forged));
        assertThat(refused.statusCode()).isEqualTo(404);
        for (URI other : List.of(link.resolve("/"), link.resolve("/u/"), link.resolve("/elsewhere/" + token), link.resolve(token + "/more"),
                link.resolve("not-a-token"))) {
            var answer = oneClick(other);
            assertThat(answer.statusCode()).as(other.toString()).isEqualTo(404);
            assertThat(answer.body()).as(other.toString()).isEqualTo(refused.body());
        }
        assertThat(store.entries(ALICE, clock.instant())).isEmpty();
        assertThat(events).isEmpty();
    }

    @Test
    void aBodyOverTheLimitIsRefusedWhetherItsLengthIsSaidOrNot() throws Exception {
        URI link = link(ALICE);
        byte[] big = (ONE_CLICK + "&pad=" + "x".repeat(UnsubscribeServer.MAX_BODY)).getBytes();
        assertThat(post(link, "application/x-www-form-urlencoded", BodyPublishers.ofByteArray(big)).statusCode()).isEqualTo(413);
        var chunked = BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big)); // no Content-Length: read up to the limit
        assertThat(post(link, "application/x-www-form-urlencoded", chunked).statusCode()).isEqualTo(413);
        assertThat(store.entries(ALICE, clock.instant())).isEmpty();
        byte[] justSo = (ONE_CLICK + "&pad=" + "x".repeat(UnsubscribeServer.MAX_BODY - ONE_CLICK.length() - 5)).getBytes();
        assertThat(justSo).hasSize(UnsubscribeServer.MAX_BODY);
        assertThat(post(link, "application/x-www-form-urlencoded", BodyPublishers.ofByteArray(justSo)).statusCode()).isEqualTo(200);
    }

    @Test
    void methodsOtherThanGetAndPostAre405() throws Exception {
        URI link = link(ALICE);
        for (String method : List.of("HEAD", "PUT", "DELETE", "OPTIONS", "PATCH")) {
            var answer = send(HttpRequest.newBuilder(link).method(method, BodyPublishers.ofString(ONE_CLICK)));
            assertThat(answer.statusCode()).as(method).isEqualTo(405);
            assertThat(answer.headers().firstValue("Allow")).as(method).hasValue("GET, POST");
        }
        assertThat(store.entries(ALICE, clock.instant())).isEmpty();
    }

    @Test
    void noAnswerRedirectsSetsACookieOrMayBeCached() throws Exception { // RFC 8058 §3.1 and §3.2
        URI link = link(ALICE);
        for (var answer : List.of(send(HttpRequest.newBuilder(link).GET()), oneClick(link), oneClick(link.resolve("nothing")))) {
            assertThat(answer.statusCode() / 100).isNotEqualTo(3);
            assertThat(answer.headers().map()).doesNotContainKeys("set-cookie", "location");
            assertThat(answer.headers().firstValue("Cache-Control")).hasValue("no-store");
        }
    }

    @Test
    void whenTheListCannotBeWrittenTheClientIsToldToComeBack() throws Exception {
        SuppressionStore down = (SuppressionStore) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {SuppressionStore.class},
                (proxy, method, args) -> {
                    throw new StoreUnavailable("redis is down", null);
                });
        URI base = start(down, SuppressionSettings.DEFAULT);
        var answer = oneClick(base.resolve(links.token(ALICE, SENDER)));
        assertThat(answer.statusCode()).isEqualTo(503);
        assertThat(answer.headers().firstValue("Retry-After")).isPresent();
        assertThat(events).as("nothing happened").isEmpty();
    }

    @Test
    void theAddressInThePageIsEscaped() throws Exception {
        Mailbox odd = AddressSyntax.tryParseMailbox("\"<script>&\"@example.org", true).orElseThrow();
        var page = send(HttpRequest.newBuilder(link(odd)).GET());
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("&quot;&lt;script&gt;&amp;&quot;@example.org").doesNotContain("<script>");
    }
}
