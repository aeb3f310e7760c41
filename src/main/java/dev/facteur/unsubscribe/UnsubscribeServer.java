package dev.facteur.unsubscribe;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.facteur.bounce.Suppressions;
import dev.facteur.bounce.UnsubscribeLinks;
import dev.facteur.bounce.UnsubscribeToken;
import dev.facteur.events.Event;
import dev.facteur.events.EventSink;
import dev.facteur.events.EventType;
import dev.facteur.net.HostPort;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The public end of one-click unsubscribe links (RFC 8058), {@code URL/TOKEN}:
 * <ul>
 * <li>{@code POST} unsubscribes the link's recipient from its sender domain
 *     ({@link Suppressions#unsubscribed}) and emits an {@code unsubscribed} event: with the body
 *     {@code List-Unsubscribe=One-Click} it is a mail client's one click (§3.2), answered with a
 *     line of text; with another body, the button of the page below, answered with a page;
 * <li>{@code GET} shows a page with that button and changes nothing: mail software and link
 *     scanners fetch the URLs they find in messages, and a fetch must not unsubscribe anyone (the
 *     reason RFC 8058 exists);
 * <li>a token none of our secrets made, and any other path, is 404, one page for all; a method
 *     other than GET and POST is 405; a body over {@value #MAX_BODY} octets is 413.
 * </ul>
 * No redirect ever (§3.1: a redirected POST turns into a GET in many clients), no cookie, no
 * script. The listener speaks plain HTTP on loopback by default, behind the TLS reverse proxy
 * that serves the public URL: the proxy also bounds connections and slow clients.
 */
public final class UnsubscribeServer implements AutoCloseable {

    /** A one-click body is 26 octets, a multipart one some 200: anything this big is not a request of ours. */
    static final int MAX_BODY = 8192;

    /** How the request came: the event and the log say which. */
    static final String ONE_CLICK = "one-click", FORM = "form";

    private static final Logger log = LoggerFactory.getLogger("facteur.suppression");

    private final List<HttpServer> servers = new ArrayList<>();
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final String path;
    private final UnsubscribeLinks links;
    private final Suppressions suppressions;
    private final EventSink events;
    private final Clock clock;

    /**
     * Binds every address of {@code listen}; links are served under {@code path}, which ends in
     * {@code /} ({@link UnsubscribeSettings#path}).
     */
    public UnsubscribeServer(List<HostPort> listen, String path, UnsubscribeLinks links, Suppressions suppressions, EventSink events,
            Clock clock) throws IOException {
        if (!path.startsWith("/") || !path.endsWith("/")) throw new IllegalArgumentException("a path from / to /: " + path);
        this.path = path;
        this.links = links;
        this.suppressions = suppressions;
        this.events = events;
        this.clock = clock;
        try {
            for (HostPort at : listen) {
                HttpServer http = HttpServer.create(new InetSocketAddress(at.host(), at.port()), 50);
                servers.add(http);
                http.setExecutor(executor);
                http.createContext("/", this::handle); // every path, so that every other one gets the same 404 page
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    public void start() {
        for (HttpServer http : servers) {
            http.start();
            log.info("unsubscribe links taken on http://{}{}", new HostPort(http.getAddress().getHostString(), http.getAddress().getPort()), path);
        }
    }

    /** The bound addresses, in the order of {@code listen}. */
    public List<InetSocketAddress> addresses() {
        return servers.stream().map(HttpServer::getAddress).toList();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            var h = ex.getResponseHeaders();
            h.set("Cache-Control", "no-store");
            h.set("X-Content-Type-Options", "nosniff");
            h.set("Referrer-Policy", "no-referrer");
            h.set("X-Frame-Options", "DENY"); // nobody frames the button to have it clicked unawares
            h.set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'");
            String method = ex.getRequestMethod();
            if (!method.equals("GET") && !method.equals("POST")) {
                h.set("Allow", "GET, POST");
                send(ex, 405, "text/plain", "Method not allowed: GET or POST\n");
                return;
            }
            String raw = ex.getRequestURI().getRawPath();
            String token = raw != null && raw.startsWith(path) ? raw.substring(path.length()) : "";
            UnsubscribeToken read = token.isEmpty() || token.indexOf('/') >= 0 ? new UnsubscribeToken.Malformed("not a link's path")
                    : links.read(token);
            switch (read) {
                case UnsubscribeToken.Genuine link when method.equals("GET") ->
                        send(ex, 200, "text/html", Pages.question(link.recipient(), link.senderDomain(), token));
                case UnsubscribeToken.Genuine link -> unsubscribe(ex, link);
                case UnsubscribeToken.Forged f -> {
                    // someone trying, or nodes whose secrets files differ
                    log.info("unsubscribe link refused: {} {}: {}", method, shortened(raw), f.reason());
                    send(ex, 404, "text/html", Pages.notFound());
                }
                case UnsubscribeToken.Malformed m -> {
                    log.debug("unsubscribe link refused: {} {}: {}", method, shortened(raw), m.reason());
                    send(ex, 404, "text/html", Pages.notFound());
                }
            }
        }
    }

    /** A POST to a genuine link: the body says whether a mail client or a person sent it. */
    private void unsubscribe(HttpExchange ex, UnsubscribeToken.Genuine link) throws IOException {
        byte[] body = body(ex);
        if (body == null) {
            send(ex, 413, "text/plain", "Request too large\n");
            return;
        }
        String via = OneClickBody.isOneClick(ex.getRequestHeaders().getFirst("Content-Type"), body) ? ONE_CLICK : FORM;
        Instant now = clock.instant();
        Suppressions.Decision decision;
        try {
            decision = suppressions.unsubscribed(link.recipient(), link.senderDomain(),
                    (via.equals(ONE_CLICK) ? "one-click unsubscribe (RFC 8058)" : "unsubscribe form") + ", link of " + link.issued());
        } catch (RuntimeException e) { // the store is down: the client may try again, and a mail client does
            log.warn("unsubscribe not recorded: to=<{}> sender_domain={}: {}", link.recipient(), link.senderDomain(), e.toString());
            ex.getResponseHeaders().set("Retry-After", "60");
            send(ex, 503, "text/html", Pages.unavailable());
            return;
        }
        events.emit(Event.of(EventType.UNSUBSCRIBED, now, "", link.recipient().toString()).withSenderDomain(link.senderDomain())
                .withDetail("via", via).withDetail("link_issued", link.issued().toString()));
        String held = decision instanceof Suppressions.Decision.Suppressed(var entry) ? entry.reason().token() : "none";
        log.info("unsubscribed: to=<{}> sender_domain={} via={} link_issued={} suppressed_by={}", link.recipient(), link.senderDomain(), via,
                link.issued(), held);
        if (via.equals(ONE_CLICK)) send(ex, 200, "text/plain", Pages.doneText(link.recipient(), link.senderDomain()));
        else send(ex, 200, "text/html", Pages.done(link.recipient(), link.senderDomain()));
    }

    /** The request's body, or null when it is over {@link #MAX_BODY} octets (said by Content-Length, or found reading). */
    private static byte[] body(HttpExchange ex) throws IOException {
        String length = ex.getRequestHeaders().getFirst("Content-Length");
        if (length != null) {
            try {
                if (Long.parseLong(length.strip()) > MAX_BODY) return null;
            } catch (NumberFormatException e) {
                return null; // the JDK refuses such a request first; never read it
            }
        }
        try (InputStream in = ex.getRequestBody()) {
            byte[] body = in.readNBytes(MAX_BODY + 1);
            return body.length > MAX_BODY ? null : body;
        }
    }

    /** A path as a log line shows it: a client chose it, and a line is not the place for a kilobyte of it. */
    private static String shortened(String raw) {
        return raw == null || raw.length() <= 80 ? raw : raw.substring(0, 80) + "...";
    }

    private static void send(HttpExchange ex, int status, String type, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type + "; charset=utf-8");
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
    }

    @Override
    public void close() {
        for (HttpServer http : servers) http.stop(0);
        executor.shutdownNow(); // a request still being read is cut short, as its connection was
    }
}
