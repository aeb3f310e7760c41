package dev.facteur.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.facteur.inject.BadRequest;
import dev.facteur.inject.Injection;
import dev.facteur.inject.InjectionRequest;
import dev.facteur.inject.LocalSubmission;
import dev.facteur.inject.LocalSubmission.Refused;
import dev.facteur.inject.RequestParser;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code POST /messages}, the injection API (docs/api.md): an application sends a JSON request
 * (sender, recipients, and a subject with text and html to fill in for each recipient, or a
 * whole message) and gets back the queue ids of what the server took, without speaking SMTP.
 * The messages go in through the server's local submission socket, as {@code facteur sendmail}'s.
 *
 * <p>Answers {@code {"ok", "message", "messages": [{"queue_id", "message_id", "recipients"}],
 * "refused": [{"recipient", "reply", "temporary"}]}}: 200 when anything was queued ({@code ok}
 * false when some recipient was refused), 422 when every recipient was refused for good, 503
 * when nothing was queued and trying again may help (a 4xx reply, the server unreachable). A
 * request that cannot be read is 400 with the field at fault ({@code "field": "to[2]"}), 413
 * when too large; nothing was sent then.
 */
final class MessagesEndpoint implements HttpHandler {

    private static final Logger log = LoggerFactory.getLogger("facteur.admin");

    /** Strict JSON: a property given twice, or anything after the object, is an error rather than a guess. */
    private static final JsonMapper JSON = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();

    /** Requests composed at once; more wait their turn, so that memory stays bounded by this many request bodies. */
    static final int CONCURRENT_REQUESTS = 8;

    private final Injection injection;
    private final RequestParser parser;
    private final Semaphore turns = new Semaphore(CONCURRENT_REQUESTS, true);

    /** {@code injection}: null when the server has none (every request says so). */
    MessagesEndpoint(Injection injection) {
        this.injection = injection;
        this.parser = injection == null ? null : new RequestParser(injection.limits());
    }

    @Override
    public void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        if (!path.equals("/messages") && !path.equals("/messages/")) {
            AdminServer.reply(ex, 404, false, "no such resource: " + path + " (POST /messages)");
            return;
        }
        if (!ex.getRequestMethod().equals("POST")) {
            ex.getResponseHeaders().set("Allow", "POST");
            AdminServer.reply(ex, 405, false, "use POST");
            return;
        }
        if (injection == null) {
            AdminServer.reply(ex, 404, false, "this server takes no messages over HTTP");
            return;
        }
        try {
            turns.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            AdminServer.reply(ex, 503, false, "the server is stopping");
            return;
        }
        try {
            submit(ex);
        } finally {
            turns.release();
        }
    }

    private void submit(HttpExchange ex) throws IOException {
        long max = injection.limits().maxRequestBytes();
        byte[] body = body(ex, max);
        if (body == null) {
            AdminServer.reply(ex, 413, false, "the request is larger than " + max + " octets");
            return;
        }
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (JacksonException e) {
            var at = e.getLocation();
            refuse(ex, new BadRequest("", "not JSON: " + e.getOriginalMessage()
                    + (at == null || at.getLineNr() < 1 ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")")));
            return;
        }
        InjectionRequest request;
        Injection.Result result;
        try {
            request = parser.parse(root);
            result = injection.inject(request);
        } catch (BadRequest e) {
            refuse(ex, e);
            return;
        } catch (IOException e) {
            log.warn("admin: POST /messages from {}: cannot reach the local submission socket: {}", ex.getRemoteAddress(), e.toString());
            AdminServer.reply(ex, 503, false, "the server cannot take messages now: its local submission socket ([sendmail] socket) "
                    + "does not answer (" + e.getMessage() + "); nothing was sent");
            return;
        }
        answer(ex, request, result);
    }

    /** The body, or null when it is longer than {@code max}. */
    private static byte[] body(HttpExchange ex, long max) throws IOException {
        String length = ex.getRequestHeaders().getFirst("Content-Length");
        try {
            if (length != null && Long.parseLong(length.strip()) > max) return null;
        } catch (NumberFormatException e) {
            // HttpServer has checked it already; read and see
        }
        try (InputStream in = ex.getRequestBody()) {
            byte[] b = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
            return b.length > max ? null : b;
        }
    }

    private static void refuse(HttpExchange ex, BadRequest e) throws IOException {
        ObjectNode o = JSON.createObjectNode().put("ok", false).put("message", e.getMessage());
        if (!e.field().isEmpty()) o.put("field", e.field());
        send(ex, 400, o);
    }

    private static void answer(HttpExchange ex, InjectionRequest request, Injection.Result result) throws IOException {
        List<Refused> refused = result.refused();
        int queuedFor = result.messages().stream().mapToInt(m -> m.recipients().size()).sum();
        String summary = "queued " + result.messages().size() + " message" + (result.messages().size() == 1 ? "" : "s") + " for " + queuedFor
                + " recipient" + (queuedFor == 1 ? "" : "s") + (refused.isEmpty() ? "" : "; " + refused.size() + " refused");
        Refused connection = refused.stream().filter(r -> r.stage() == LocalSubmission.Stage.GREETING || r.stage() == LocalSubmission.Stage.EHLO)
                .findFirst().orElse(null);
        int status;
        if (!result.messages().isEmpty()) {
            status = 200;
        } else if (connection != null) {
            status = 503;
            summary = "the server refused the local submission connection: " + connection.reply()
                    + (connection.reply().text().startsWith("554 5.7.1 User") ? " (Facteur's own user must be in [sendmail] authorized_users)" : "")
                    + "; nothing was sent";
        } else if (refused.stream().anyMatch(r -> r.reply().isTransient())) {
            status = 503;
            summary = "nothing was queued; try again later: " + refused.stream().filter(r -> r.reply().isTransient()).findFirst().orElseThrow().reply();
        } else {
            status = 422;
            summary = "nothing was queued: every recipient was refused";
        }
        ObjectNode o = JSON.createObjectNode().put("ok", status == 200 && refused.isEmpty()).put("message", summary);
        ArrayNode messages = o.putArray("messages");
        for (Injection.Message m : result.messages()) {
            ObjectNode n = messages.addObject().put("queue_id", m.queueId()).put("message_id", m.messageId());
            ArrayNode to = n.putArray("recipients");
            m.recipients().forEach(to::add);
        }
        ArrayNode refusals = o.putArray("refused");
        for (Refused r : refused)
            refusals.addObject().put("recipient", r.recipient()).put("reply", r.reply().text()).put("temporary", r.reply().isTransient());
        log.info("admin: POST /messages from {}: from=<{}>, {}{}", ex.getRemoteAddress(), request.envelopeFrom(), summary,
                result.messages().isEmpty() ? "" : " (" + String.join(", ", result.messages().stream().map(Injection.Message::queueId).toList()) + ")");
        send(ex, status, o);
    }

    private static void send(HttpExchange ex, int status, ObjectNode o) throws IOException {
        byte[] body = JSON.writeValueAsBytes(o);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, body.length);
        try (var out = ex.getResponseBody()) {
            out.write(body);
        }
    }
}
