package dev.facteur.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /reload}: the server reads its configuration file again, as on SIGHUP, and says
 * what came of it: {@code {"ok": true, "message": "..."}} when applied (the message names what
 * waits for a restart), {@code {"ok": false, "message": "...", "problems": ["file:line: key: ..."]}}
 * with 422 when refused; the running configuration then stays.
 */
public final class ReloadEndpoint implements HttpHandler {

    /** What a reload did: applied, or refused with the problems found. */
    public record Result(boolean applied, String message, List<String> problems) {
        public Result {
            problems = List.copyOf(problems);
        }
    }

    /** The server's reload, as the endpoint asks for it. */
    @FunctionalInterface
    public interface Reloader {
        Result reload();
    }

    private static final JsonMapper JSON = new JsonMapper();
    private final Reloader reloader;

    ReloadEndpoint(Reloader reloader) {
        this.reloader = reloader;
    }

    @Override
    public void handle(HttpExchange ex) throws IOException {
        if (!ex.getRequestMethod().equals("POST")) {
            AdminServer.reply(ex, 405, false, "use POST");
            return;
        }
        Result r = reloader.reload();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("ok", r.applied());
        body.put("message", r.message());
        if (!r.applied()) body.put("problems", r.problems());
        byte[] bytes = JSON.writeValueAsBytes(body);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(r.applied() ? 200 : 422, bytes.length);
        try (var out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }
}
